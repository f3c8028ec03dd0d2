using Attribution.Engine.Attribution;
using Attribution.Engine.Events;

namespace Attribution.Tests.Engine.Attribution;

public class AttributionCountersTests
{
    [Test]
    public void Counters_count_events_by_kind_and_outcome()
    {
        (AttributionConfig config, List<SimEvent> items) = StreamGenerator.Generate(TestSeed.Get(), 3_000);
        using var d = new CoreDriver(config);
        var steps = items.Select(d.Apply).ToList();
        AttributionCounters c = d.Core.Counters;
        var processed = items.Where(e => e.Kind is SimKind.Click or SimKind.Conversion).ToList();
        Assert.That(c.Events, Is.EqualTo(processed.Count));
        Assert.That(c.Clicks, Is.EqualTo(processed.Count(e => e.Kind == SimKind.Click)));
        Assert.That(c.Conversions, Is.EqualTo(processed.Count(e => e.Kind == SimKind.Conversion)));
        for (int o = 0; o < AttributionOutcomes.Count; o++)
        {
            var outcome = (AttributionOutcome)o;
            Assert.That(c.Outcome(outcome), Is.EqualTo(steps.Count(s => s == outcome.ToString())), AttributionOutcomes.Name(outcome));
        }
        Assert.That(c.Outcome(AttributionOutcome.Attributed), Is.EqualTo(d.Outputs.Count));
        Assert.That(c.Rejected, Is.EqualTo(items.Count(e => e.Kind == SimKind.Malformed)));
    }

    [Test]
    public void Rejected_records_are_counted_by_reason()
    {
        var c = new AttributionCounters();
        c.RecordRejected(RejectReason.InvalidJson);
        c.RecordRejected(RejectReason.InvalidJson);
        c.RecordRejected(RejectReason.EmptyField);
        Assert.That((c.Rejection(RejectReason.InvalidJson), c.Rejection(RejectReason.EmptyField), c.Rejected), Is.EqualTo((2L, 1L, 3L)));
        Assert.That(c.Rejections, Has.Length.EqualTo(RejectReasons.Count));
        Assert.That(c.Events, Is.EqualTo(0), "a rejected record is not an event");
        Assert.Throws<ArgumentOutOfRangeException>(() => c.RecordRejected(RejectReason.None));
        Assert.Throws<ArgumentOutOfRangeException>(() => c.RecordRejected((RejectReason)RejectReasons.Count));
    }

    [Test]
    public void Counters_of_shards_add_up()
    {
        var a = new AttributionCounters { Events = 3, Clicks = 2, Conversions = 1 };
        a.Outcomes[(int)AttributionOutcome.Attributed] = 1;
        a.RecordRejected(RejectReason.Oversized);
        var total = new AttributionCounters();
        total.Add(a);
        total.Add(a);
        Assert.That((total.Events, total.Clicks, total.Conversions, total.Rejected), Is.EqualTo((6L, 4L, 2L, 2L)));
        Assert.That(total.Outcome(AttributionOutcome.Attributed), Is.EqualTo(2));
        Assert.That(total.Rejection(RejectReason.Oversized), Is.EqualTo(2));
    }

    [Test]
    public void Outcome_names_are_distinct_and_snake_case()
    {
        var names = Enumerable.Range(0, AttributionOutcomes.Count).Select(o => AttributionOutcomes.Name((AttributionOutcome)o)).ToList();
        Assert.That(names, Is.Unique);
        Assert.That(names, Has.All.Match("^[a-z_]+$"));
        Assert.That(names, Has.None.EqualTo("unknown"));
        Assert.That(Enum.GetValues<AttributionOutcome>(), Has.Length.EqualTo(AttributionOutcomes.Count));
    }
}
