using System.Text;
using Attribution.Testing.State;
using Attribution.Engine.Attribution;
using Attribution.Engine.Events;
using Attribution.Engine.State;

namespace Attribution.Tests.Engine.Attribution;

/// <summary>Misuse and damaged state are reported clearly; extreme but valid inputs are handled.</summary>
public class AttributionCoreGuardTests
{
    private const long T0 = 1_678_886_400_000;

    [Test]
    public void Invalid_configuration_is_rejected_by_the_constructor_with_its_reason()
    {
        var bad = new AttributionConfig { WindowMs = 0 };
        var ex = Assert.Throws<ArgumentException>(() => _ = new AttributionCore<InMemoryStateTable>(bad, new InMemoryStateTable(), new InMemoryStateTable()));
        Assert.That(ex!.Message, Does.StartWith(bad.Validate()!));
        Assert.Throws<ArgumentException>(() => _ = new AttributionCore<InMemoryStateTable>(new AttributionConfig { ClickHistory = 5 }, new InMemoryStateTable(), new InMemoryStateTable()));
    }

    [Test]
    public void One_table_cannot_serve_as_both_click_and_conversion_table()
    {
        var table = new InMemoryStateTable();
        Assert.Throws<ArgumentException>(() => _ = new AttributionCore<InMemoryStateTable>(new AttributionConfig(), table, table));
    }

    [Test]
    public void Record_that_was_not_decoded_is_refused()
    {
        using var d = new CoreDriver();
        var record = new EventRecord();
        record.Reset();
        var sink = new CollectingSink { Outputs = new() };
        var ex = Assert.Throws<ArgumentException>(() => d.Core.Process(ref record, ref sink));
        Assert.That(ex!.Message, Does.Contain("kind is None"));
        Assert.That(d.Core.Counters.Events, Is.EqualTo(0));
    }

    [Test]
    public void Record_missing_a_required_field_is_refused_without_touching_state()
    {
        using var d = new CoreDriver();
        var record = new EventRecord();
        record.Reset();
        record.Kind = EventKind.Click;
        record.Timestamp = T0;
        record.TrySet(ref record.EventId, "c-1"u8, EventRecord.MaxIdBytes);
        record.TrySet(ref record.UserId, "u"u8, EventRecord.MaxIdBytes);
        record.TrySet(ref record.CampaignId, "k"u8, EventRecord.MaxIdBytes);
        record.TrySet(ref record.Source, "facebook"u8, EventRecord.MaxLabelBytes);
        var sink = new CollectingSink { Outputs = new() };
        var ex = Assert.Throws<ArgumentException>(() => d.Core.Process(ref record, ref sink));
        Assert.That(ex!.Message, Does.Contain("ad_id is absent"));
        Assert.That((d.Core.Clicks.Count, d.Core.Watermarks.Get(0)), Is.EqualTo((0L, PartitionWatermarks.None)));
    }

    [Test]
    public void Field_longer_than_its_limit_is_refused()
    {
        using var d = new CoreDriver();
        var record = new EventRecord();
        SimEventDecoders.Direct(SimEvent.Click("c-1", "u", "k", T0), ref record);
        record.TrySet(ref record.Source, Encoding.UTF8.GetBytes(new string('s', 65)), 1_000);
        var sink = new CollectingSink { Outputs = new() };
        Assert.Throws<ArgumentException>(() => d.Core.Process(ref record, ref sink));
    }

    [TestCase(-1)]
    [TestCase(65_536)]
    public void Partition_outside_sixteen_bits_is_refused(int partition)
    {
        using var d = new CoreDriver();
        Assert.Throws<ArgumentOutOfRangeException>(() => d.Process(SimEvent.Click("c-1", "u", "k", T0, partition: partition)));
        Assert.Throws<ArgumentOutOfRangeException>(() => d.Process(SimEvent.Conversion("v-1", "u", "k", T0, partition: partition)));
        Assert.Throws<ArgumentOutOfRangeException>(() => d.Core.DropPartition(partition));
        Assert.That(d.Core.Clicks.Count + d.Core.Conversions.Count, Is.EqualTo(0));
    }

    [Test]
    public void Highest_partition_and_longest_ids_fit_the_state_encoding()
    {
        using var d = new CoreDriver();
        string user = new('u', EventRecord.MaxIdBytes);
        string campaign = new('k', EventRecord.MaxIdBytes);
        var click = SimEvent.Click(new string('c', EventRecord.MaxIdBytes), user, campaign, T0, new string('a', EventRecord.MaxIdBytes),
            new string('s', EventRecord.MaxLabelBytes), partition: 65_535);
        for (int i = 0; i < 4; i++)
        {
            Assert.That(d.Process(click with { Timestamp = T0 + i }), Is.EqualTo(AttributionOutcome.ClickStored));
        }
        Assert.That(d.Process(SimEvent.Conversion(new string('v', EventRecord.MaxIdBytes), user, campaign, T0 + 10, partition: 65_535)),
            Is.EqualTo(AttributionOutcome.Attributed));
        Assert.That(d.Outputs.Single().ClickTime, Is.EqualTo(T0 + 3));
        Assert.That(d.Outputs.Single().Source, Is.EqualTo(click.Source));
    }

    [Test]
    public void Corrupt_click_history_is_reported_not_misread()
    {
        using var d = new CoreDriver();
        d.Process(SimEvent.Click("c-1", "u", "k", T0));
        // Overwrite the history of (partition 0, "u", "k") with a count that promises a click that is not there.
        byte[] key = [0, 0, 1, (byte)'u', (byte)'k'];
        d.Core.Clicks.Upsert(key, [1, 0, 0]);
        Assert.Throws<InvalidDataException>(() => d.Process(SimEvent.Conversion("v-1", "u", "k", T0)));
        Assert.Throws<InvalidDataException>(() => d.Core.Expire());
    }

    [Test]
    public void Corrupt_remembered_conversion_is_reported()
    {
        using var d = new CoreDriver();
        byte[] key = [0, 0, 1, (byte)'u', (byte)'v'];
        d.Core.Conversions.Upsert(key, [1, 2, 3]);
        Assert.Throws<InvalidDataException>(() => d.Process(SimEvent.Conversion("v", "u", "k", T0)));
    }

    [Test]
    public void Extreme_timestamps_do_not_overflow()
    {
        using var d = new CoreDriver();
        long window = d.Core.Config.WindowMs;
        Assert.That(d.Process(SimEvent.Click("c-min", "u", "k", long.MinValue)), Is.EqualTo(AttributionOutcome.ClickStored));
        Assert.That(d.Process(SimEvent.Conversion("v-1", "u", "k", long.MinValue + window)), Is.EqualTo(AttributionOutcome.Attributed));
        Assert.That(d.Process(SimEvent.Conversion("v-2", "u", "k", long.MinValue + window + 1)), Is.EqualTo(AttributionOutcome.ClickOutsideWindow));
        Assert.That(d.Process(SimEvent.Conversion("v-3", "u", "k", long.MaxValue)), Is.EqualTo(AttributionOutcome.NoClick));
        Assert.That(d.Process(SimEvent.Click("c-max", "u", "k", long.MaxValue)), Is.EqualTo(AttributionOutcome.ClickStored));
        Assert.That(d.Process(SimEvent.Conversion("v-4", "u", "k", long.MaxValue)), Is.EqualTo(AttributionOutcome.Attributed));
        Assert.That(d.Process(SimEvent.Click("c-min2", "u", "k", long.MinValue)), Is.EqualTo(AttributionOutcome.ClickExpiredOnArrival));
        Assert.That(d.Core.Expire(), Is.EqualTo(1), "only v-1 is past retention; the (u, k) history (newest c-max) and v-4 stay");
    }
}
