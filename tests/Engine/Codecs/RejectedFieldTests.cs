using System.Text;
using Attribution.Engine.Codecs;
using Attribution.Engine.Events;

namespace Attribution.Tests.Engine.Codecs;

/// <summary>A rejection about one field names it (for dead letters), in JSON and MessagePack alike; whole-record reasons name none.</summary>
public class RejectedFieldTests
{
    private const string Click = "{\"event_type\":\"click\",\"event_id\":\"c-1\",\"user_id\":\"u\",\"campaign_id\":\"k\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":1000}";

    private static IEnumerable<TestCaseData> Cases()
    {
        string longId = new('x', EventRecord.MaxIdBytes + 1);
        yield return new TestCaseData(Click.Replace("1000", "\"1000\""), RejectReason.WrongType, RecordField.Timestamp, ("timestamp", (object?)"1000")).SetName("wrong_type timestamp");
        yield return new TestCaseData(Click.Replace("\"user_id\":\"u\",", ""), RejectReason.MissingField, RecordField.UserId, ("user_id", (object?)null)).SetName("missing_field user_id");
        yield return new TestCaseData(Click.Replace("\"k\"", $"\"{longId}\""), RejectReason.FieldTooLong, RecordField.CampaignId, ("campaign_id", (object?)longId)).SetName("field_too_long campaign_id");
        yield return new TestCaseData(Click.Replace("\"c-1\"", "\"\""), RejectReason.EmptyField, RecordField.EventId, ("event_id", (object?)"")).SetName("empty_field event_id");
        yield return new TestCaseData(Click.Replace("\"source\":\"s\"", "\"source\":\"s\",\"source\":\"t\""), RejectReason.DuplicateField, RecordField.Source, ("source", (object?)"dup")).SetName("duplicate_field source");
        yield return new TestCaseData(Click.Replace("\"click\"", "\"view\""), RejectReason.UnknownEventType, RecordField.EventType, ("event_type", (object?)"view")).SetName("unknown_event_type");
        yield return new TestCaseData(Click.Replace("\"ad_id\":\"a\"", "\"ad_id\":7"), RejectReason.WrongType, RecordField.AdId, ("ad_id", (object?)7L)).SetName("wrong_type ad_id");
    }

    [TestCaseSource(nameof(Cases))]
    public void Rejection_names_the_offending_field_in_both_formats(string json, RejectReason reason, RecordField field, (string Key, object? Value) pack)
    {
        var record = new EventRecord();
        Assert.That(JsonEventReader.Read(Encoding.UTF8.GetBytes(json), ref record, 1 << 20), Is.EqualTo(reason));
        Assert.That(record.RejectedField, Is.EqualTo(field), "JSON");

        var entries = MessagePackBuilder.ClickEntries.ToList();
        int i = entries.FindIndex(e => e.Key == pack.Key);
        if (reason == RejectReason.DuplicateField)
        {
            entries.Add(pack);
        }
        else if (reason == RejectReason.MissingField)
        {
            entries.RemoveAt(i);
        }
        else
        {
            entries[i] = pack;
        }
        var fromPack = new EventRecord();
        Assert.That(MessagePackEventReader.Read(MessagePackBuilder.Map(entries), ref fromPack, 1 << 20), Is.EqualTo(reason));
        Assert.That(fromPack.RejectedField, Is.EqualTo(field), "MessagePack");
    }

    [TestCase("not json", RejectReason.InvalidJson)]
    [TestCase("[1]", RejectReason.NotAnObject)]
    public void Whole_record_rejection_names_no_field(string json, RejectReason reason)
    {
        var record = new EventRecord { RejectedField = RecordField.Timestamp }; // stale from an earlier use of the slot
        Assert.That(JsonEventReader.Read(Encoding.UTF8.GetBytes(json), ref record, 1 << 20), Is.EqualTo(reason));
        Assert.That(record.RejectedField, Is.EqualTo(RecordField.None));
    }

    [Test]
    public void Accepted_record_names_no_field()
    {
        var record = new EventRecord { RejectedField = RecordField.UserId };
        Assert.That(JsonEventReader.Read(Encoding.UTF8.GetBytes(Click), ref record, 1 << 20), Is.EqualTo(RejectReason.None));
        Assert.That(record.RejectedField, Is.EqualTo(RecordField.None));
    }
}
