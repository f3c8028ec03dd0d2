using Attribution.Engine.Attribution;
using Attribution.Engine.Events;

namespace Attribution.Tests.Engine.Attribution;

/// <summary>How many state-table operations an event costs (each is a FASTER operation in the engine).</summary>
public class AttributionStateOperationTests
{
    private const long Hour = 3_600_000;

    [Test]
    public void Every_stored_or_refused_click_is_one_click_table_operation_and_touches_no_conversion_id()
    {
        using var clicks = new CountingStateTable();
        using var conversions = new CountingStateTable();
        var core = new AttributionCore<CountingStateTable>(new AttributionConfig { ClickHistory = 2 }, clicks, conversions);
        var record = default(EventRecord);
        var sink = new CollectingSink { Outputs = new List<AttributedOutput>() };
        long t0 = 100 * Hour;
        (SimEvent Click, AttributionOutcome Expected)[] steps =
        [
            (SimEvent.Click("c1", "u1", "camp", t0), AttributionOutcome.ClickStored),              // new key
            (SimEvent.Click("c2", "u1", "camp", t0 + 10), AttributionOutcome.ClickStored),         // appended
            (SimEvent.Click("c3", "u1", "camp", t0 + 10, ad: "ad-2"), AttributionOutcome.ClickStored), // same time: replaces
            (SimEvent.Click("c4", "u1", "camp", t0 + 20), AttributionOutcome.ClickStored),         // full: evicts the oldest
            (SimEvent.Click("c5", "u1", "camp", t0 + 5), AttributionOutcome.ClickTooOld),          // older than a full history
            (SimEvent.Click("c6", "u2", "camp", t0 + 30), AttributionOutcome.ClickStored),
        ];

        foreach (var (click, expected) in steps)
        {
            Assert.That(SimEventDecoders.Direct(click, ref record), Is.EqualTo(RejectReason.None));
            var before = clicks.Operations;
            var outcome = core.Process(ref record, ref sink);
            Assert.That(outcome, Is.EqualTo(expected), click.ToString());
            Assert.That(clicks.Operations - before, Is.EqualTo(1), $"click-table operations for {click}");
        }
        Assert.That(conversions.Operations, Is.Zero);
        Assert.That(clicks.Count, Is.EqualTo(2));
    }

    [Test]
    public void A_conversion_is_one_click_history_read_and_one_conversion_id_operation()
    {
        using var clicks = new CountingStateTable();
        using var conversions = new CountingStateTable();
        var core = new AttributionCore<CountingStateTable>(new AttributionConfig(), clicks, conversions);
        var record = default(EventRecord);
        var sink = new CollectingSink { Outputs = new List<AttributedOutput>() };
        long t0 = 100 * Hour;
        Assert.That(SimEventDecoders.Direct(SimEvent.Click("c1", "u1", "camp", t0), ref record), Is.EqualTo(RejectReason.None));
        core.Process(ref record, ref sink);
        (SimEvent Conversion, AttributionOutcome Expected)[] steps =
        [
            (SimEvent.Conversion("v1", "u1", "camp", t0 + 10), AttributionOutcome.Attributed),           // remembers v1
            (SimEvent.Conversion("v1", "u1", "camp", t0 + 20), AttributionOutcome.DuplicateConversion),  // re-sent
            (SimEvent.Conversion("v2", "u1", "camp", t0 - 10), AttributionOutcome.ClickAfterConversion),
            (SimEvent.Conversion("v3", "u9", "camp", t0 + 30), AttributionOutcome.NoClick),
            (SimEvent.Conversion("v1", "u1", "other", t0 + 40), AttributionOutcome.DuplicateConversion), // remembered, even without a click
        ];

        foreach (var (conversion, expected) in steps)
        {
            Assert.That(SimEventDecoders.Direct(conversion, ref record), Is.EqualTo(RejectReason.None));
            var (clicksBefore, conversionsBefore) = (clicks.Operations, conversions.Operations);
            var outcome = core.Process(ref record, ref sink);
            Assert.That(outcome, Is.EqualTo(expected), conversion.ToString());
            Assert.That(clicks.Operations - clicksBefore, Is.EqualTo(1), $"click-table operations for {conversion}");
            Assert.That(conversions.Operations - conversionsBefore, Is.EqualTo(1), $"conversion-table operations for {conversion}");
        }
        Assert.That(sink.Outputs, Has.Count.EqualTo(1));
        Assert.That(conversions.Count, Is.EqualTo(1));
    }
}
