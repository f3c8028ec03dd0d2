using Attribution.Engine.Attribution;

namespace Attribution.Tests.Engine.Attribution;

/// <summary>docs/SEMANTICS.md rules 1–6, case by case, including the Flink job's behaviour (default 24 h window, 1 h lateness).</summary>
public class AttributionContractTests
{
    private const long T0 = 1_678_886_400_000;
    private const long Hour = AttributionConfig.HourMs;
    private const long Day = 24 * Hour;

    private static SimEvent Click(string id, long ts, string user = "user-123", string campaign = "camp-789", int partition = 0)
        => SimEvent.Click(id, user, campaign, ts, "ad-456", "facebook", partition);

    private static SimEvent Conversion(string id, long ts, string user = "user-123", string campaign = "camp-789", int partition = 0)
        => SimEvent.Conversion(id, user, campaign, ts, "purchase", "19.99", "ios_app", partition);

    [Test]
    public void Click_is_stored_without_output()
    {
        using var d = new CoreDriver();
        Assert.That(d.Process(Click("c-1", T0)), Is.EqualTo(AttributionOutcome.ClickStored));
        Assert.That(d.Outputs, Is.Empty);
        Assert.That(d.Core.Clicks.Count, Is.EqualTo(1));
        Assert.That(d.Core.Conversions.Count, Is.EqualTo(0));
    }

    [Test]
    public void Conversion_within_window_is_attributed_with_every_output_field()
    {
        using var d = new CoreDriver();
        d.Process(SimEvent.Click("c-1", "user-123", "camp-789", T0, "ad-456", "facebook"));
        d.Process(SimEvent.Click("c-2", "user-123", "camp-other", T0 + 1, "ad-999", "google"));
        var outcome = d.Process(SimEvent.Conversion("v-1", "user-123", "camp-789", T0 + Hour, "purchase", "19.99", "ios_app"));

        Assert.That(outcome, Is.EqualTo(AttributionOutcome.Attributed));
        Assert.That(d.Outputs, Has.Count.EqualTo(1));
        AttributedOutput o = d.Outputs[0];
        Assert.Multiple(() =>
        {
            Assert.That(o.ConversionId, Is.EqualTo("v-1"));
            Assert.That(o.ClickId, Is.EqualTo("c-1"));
            Assert.That(o.UserId, Is.EqualTo("user-123"));
            Assert.That(o.AdId, Is.EqualTo("ad-456"));
            Assert.That(o.CampaignId, Is.EqualTo("camp-789"));
            Assert.That(o.Source, Is.EqualTo("facebook"), "the output source is the click's, not the conversion's");
            Assert.That(o.ConversionType, Is.EqualTo("purchase"));
            Assert.That(o.Value, Is.EqualTo("19.99"));
            Assert.That(o.ClickTime, Is.EqualTo(T0));
            Assert.That(o.ConversionTime, Is.EqualTo(T0 + Hour));
            Assert.That(o.Partition, Is.EqualTo(0));
        });
    }

    [TestCase("99.99")]
    [TestCase("0")]
    [TestCase("9999999.99")]
    [TestCase("1.000")]
    [TestCase("-2.5E+3")]
    public void Conversion_value_text_reaches_the_sink_exactly(string value)
    {
        using var d = new CoreDriver();
        d.Process(Click("c-1", T0));
        d.Process(SimEvent.Conversion("v-1", "user-123", "camp-789", T0, "purchase", value));
        Assert.That(d.Outputs.Single().Value, Is.EqualTo(value));
    }

    [Test]
    public void Absent_optional_conversion_fields_stay_absent()
    {
        using var d = new CoreDriver();
        d.Process(Click("c-1", T0));
        d.Process(SimEvent.Conversion("v-1", "user-123", "camp-789", T0 + 1, type: null, value: null, source: null));
        AttributedOutput o = d.Outputs.Single();
        Assert.That((o.ConversionType, o.Value, o.Source), Is.EqualTo(((string?)null, (string?)null, "facebook")));
    }

    [TestCase(1_000L)]
    [TestCase(1L)]
    public void Conversion_one_second_past_window_is_not_attributed(long past)
    {
        using var d = new CoreDriver();
        d.Process(Click("c-1", T0));
        Assert.That(d.Process(Conversion("v-1", T0 + Day + past)), Is.EqualTo(AttributionOutcome.ClickOutsideWindow));
        Assert.That(d.Outputs, Is.Empty);
        Assert.That(d.Core.Conversions.Count, Is.EqualTo(0), "only attributed ids are remembered");
    }

    [Test]
    public void Conversion_before_its_click_is_not_attributed()
    {
        using var d = new CoreDriver();
        d.Process(Click("c-1", T0));
        Assert.That(d.Process(Conversion("v-1", T0 - 1)), Is.EqualTo(AttributionOutcome.ClickAfterConversion));
        Assert.That(d.Outputs, Is.Empty);
    }

    [Test]
    public void Duplicate_conversion_id_is_attributed_once()
    {
        using var d = new CoreDriver();
        d.Process(Click("c-1", T0));
        d.Process(Click("c-2", T0, campaign: "camp-2"));
        Assert.That(d.Process(Conversion("v-1", T0 + Hour)), Is.EqualTo(AttributionOutcome.Attributed));
        Assert.That(d.Process(Conversion("v-1", T0 + Hour)), Is.EqualTo(AttributionOutcome.DuplicateConversion));
        Assert.That(d.Process(Conversion("v-1", T0 + 2 * Hour)), Is.EqualTo(AttributionOutcome.DuplicateConversion));
        Assert.That(d.Process(Conversion("v-1", T0 + Hour, campaign: "camp-2")), Is.EqualTo(AttributionOutcome.DuplicateConversion),
            "an id is per user, whatever the campaign");
        Assert.That(d.Outputs, Has.Count.EqualTo(1));
        Assert.That(d.Core.Counters.Outcome(AttributionOutcome.DuplicateConversion), Is.EqualTo(3));
    }

    [Test]
    public void No_click_no_output()
    {
        using var d = new CoreDriver();
        Assert.That(d.Process(Conversion("v-1", T0)), Is.EqualTo(AttributionOutcome.NoClick));
        d.Process(Click("c-1", T0, campaign: "camp-other"));
        Assert.That(d.Process(Conversion("v-2", T0)), Is.EqualTo(AttributionOutcome.NoClick), "a click of another campaign does not count");
        Assert.That(d.Outputs, Is.Empty);
        Assert.That(d.Core.Counters.Outcome(AttributionOutcome.NoClick), Is.EqualTo(2));
    }

    [Test]
    public void Two_campaigns_of_one_user_each_match_their_own_click()
    {
        using var d = new CoreDriver();
        d.Process(SimEvent.Click("c-a", "user-123", "camp-a", T0, "ad-a", "facebook"));
        d.Process(SimEvent.Click("c-b", "user-123", "camp-b", T0 + 10, "ad-b", "google"));
        d.Process(SimEvent.Conversion("v-b", "user-123", "camp-b", T0 + Hour));
        d.Process(SimEvent.Conversion("v-a", "user-123", "camp-a", T0 + Hour));
        Assert.That(d.Outputs.Select(o => (o.ConversionId, o.ClickId, o.AdId, o.CampaignId, o.Source)), Is.EqualTo(new[]
        {
            ("v-b", "c-b", "ad-b", "camp-b", "google"),
            ("v-a", "c-a", "ad-a", "camp-a", "facebook"),
        }));
    }

    [Test]
    public void Conversion_exactly_24h_after_click_is_attributed()
    {
        using var d = new CoreDriver();
        d.Process(Click("c-1", T0));
        Assert.That(d.Process(Conversion("v-1", T0 + Day)), Is.EqualTo(AttributionOutcome.Attributed));
        Assert.That(d.Outputs.Single().ConversionTime - d.Outputs.Single().ClickTime, Is.EqualTo(Day));
    }

    [Test]
    public void Conversion_at_same_millisecond_as_click_is_attributed()
    {
        using var d = new CoreDriver();
        d.Process(Click("c-1", T0));
        Assert.That(d.Process(Conversion("v-1", T0)), Is.EqualTo(AttributionOutcome.Attributed));
        Assert.That(d.Outputs.Single().ClickTime, Is.EqualTo(T0));
    }

    [Test]
    public void Older_click_arriving_late_does_not_replace_newer()
    {
        using var d = new CoreDriver(new AttributionConfig { ClickHistory = 1 });
        d.Process(Click("c-new", T0 + 10 * 60_000));
        Assert.That(d.Process(Click("c-old", T0)), Is.EqualTo(AttributionOutcome.ClickTooOld), "a one-click history keeps the newer click");
        d.Process(Conversion("v-1", T0 + 20 * 60_000));
        Assert.That(d.Outputs.Single().ClickId, Is.EqualTo("c-new"));
    }

    [Test]
    public void Older_click_arriving_late_joins_the_history_without_replacing_newer()
    {
        using var d = new CoreDriver();
        d.Process(Click("c-new", T0 + 10 * 60_000));
        Assert.That(d.Process(Click("c-old", T0)), Is.EqualTo(AttributionOutcome.ClickStored));
        d.Process(Conversion("v-1", T0 + 20 * 60_000));
        Assert.That(d.Outputs.Single().ClickId, Is.EqualTo("c-new"));
    }

    [Test]
    public void Click_with_the_same_timestamp_replaces_the_stored_click()
    {
        using var d = new CoreDriver();
        d.Process(SimEvent.Click("c-first", "user-123", "camp-789", T0, "ad-1", "facebook"));
        Assert.That(d.Process(SimEvent.Click("c-second", "user-123", "camp-789", T0, "ad-2", "google")), Is.EqualTo(AttributionOutcome.ClickStored));
        d.Process(Conversion("v-1", T0 + 1));
        Assert.That((d.Outputs.Single().ClickId, d.Outputs.Single().AdId, d.Outputs.Single().Source), Is.EqualTo(("c-second", "ad-2", "google")));
    }

    [Test]
    public void Out_of_order_newer_click_first_conversion_matches_latest_click_at_or_before_it()
    {
        using var d = new CoreDriver();
        d.Process(Click("c-newer", T0 + 30 * 60_000));
        d.Process(Click("c-older", T0));
        d.Process(Click("c-middle", T0 + 5 * 60_000));
        Assert.That(d.Process(Conversion("v-1", T0 + 10 * 60_000)), Is.EqualTo(AttributionOutcome.Attributed));
        Assert.That(d.Process(Conversion("v-2", T0 + 30 * 60_000)), Is.EqualTo(AttributionOutcome.Attributed));
        Assert.That(d.Process(Conversion("v-3", T0 + 1)), Is.EqualTo(AttributionOutcome.Attributed));
        Assert.That(d.Outputs.Select(o => o.ClickId), Is.EqualTo(new[] { "c-middle", "c-newer", "c-older" }));
    }

    [Test]
    public void Full_history_of_newer_clicks_refuses_an_older_click_and_evicts_the_oldest_for_a_newer_one()
    {
        using var d = new CoreDriver(new AttributionConfig { ClickHistory = 2 });
        d.Process(Click("c-10", T0 + 10));
        d.Process(Click("c-20", T0 + 20));
        Assert.That(d.Process(Click("c-5", T0 + 5)), Is.EqualTo(AttributionOutcome.ClickTooOld));
        Assert.That(d.Process(Click("c-15", T0 + 15)), Is.EqualTo(AttributionOutcome.ClickStored), "evicts c-10");
        Assert.That(d.Process(Conversion("v-1", T0 + 12)), Is.EqualTo(AttributionOutcome.ClickAfterConversion));
        Assert.That(d.Process(Conversion("v-2", T0 + 16)), Is.EqualTo(AttributionOutcome.Attributed));
        Assert.That(d.Outputs.Single().ClickId, Is.EqualTo("c-15"));
    }

    [Test]
    public void Click_older_than_horizon_is_expired_on_arrival()
    {
        using var d = new CoreDriver();
        d.Process(Click("c-now", T0 + 26 * Hour, user: "someone-else"));
        // Horizon = W − 24 h − 1 h = T0 + 1 h.
        Assert.That(d.Process(Click("c-late", T0 + Hour - 1)), Is.EqualTo(AttributionOutcome.ClickExpiredOnArrival));
        Assert.That(d.Process(Conversion("v-1", T0 + Hour)), Is.EqualTo(AttributionOutcome.NoClick), "the expired click was not stored");
        Assert.That(d.Process(Click("c-edge", T0 + Hour)), Is.EqualTo(AttributionOutcome.ClickStored), "a click exactly at the horizon is live");
        Assert.That(d.Process(Conversion("v-2", T0 + Hour)), Is.EqualTo(AttributionOutcome.Attributed));
    }

    [Test]
    public void Stored_click_that_falls_behind_the_horizon_is_ignored_before_any_sweep()
    {
        using var d = new CoreDriver();
        d.Process(Click("c-1", T0));
        d.Process(Click("c-x", T0 + 25 * Hour, user: "someone-else")); // horizon = T0: c-1 still live
        Assert.That(d.Process(Conversion("v-1", T0 + 10)), Is.EqualTo(AttributionOutcome.Attributed));
        d.Process(Click("c-y", T0 + 25 * Hour + 1, user: "someone-else")); // horizon = T0 + 1: c-1 expired
        Assert.That(d.Process(Conversion("v-2", T0 + 10)), Is.EqualTo(AttributionOutcome.NoClick));
        Assert.That(d.Core.Clicks.Count, Is.EqualTo(2), "not deleted yet, only ignored");
    }

    [Test]
    public void Expired_conversion_id_is_forgotten_and_attributed_again()
    {
        using var d = new CoreDriver();
        d.Process(Click("c-1", T0));
        Assert.That(d.Process(Conversion("v-1", T0 + Hour)), Is.EqualTo(AttributionOutcome.Attributed));
        // Retention = window + lateness = 25 h after the conversion's own time.
        long edge = T0 + Hour + 25 * Hour;
        d.Process(Click("c-2", edge));
        Assert.That(d.Process(Conversion("v-1", edge)), Is.EqualTo(AttributionOutcome.DuplicateConversion), "exactly at retention it is still remembered");
        d.Process(Click("c-3", edge + 1));
        Assert.That(d.Process(Conversion("v-1", edge + 1)), Is.EqualTo(AttributionOutcome.Attributed));
        Assert.That(d.Outputs.Select(o => o.ClickId), Is.EqualTo(new[] { "c-1", "c-3" }));
    }

    [Test]
    public void Conversion_retention_is_configuration()
    {
        using var d = new CoreDriver(new AttributionConfig { ConversionRetentionMs = 48 * Hour });
        d.Process(Click("c-1", T0));
        d.Process(Conversion("v-1", T0));
        d.Process(Click("c-2", T0 + 48 * Hour));
        Assert.That(d.Process(Conversion("v-1", T0 + 48 * Hour)), Is.EqualTo(AttributionOutcome.DuplicateConversion));
        d.Process(Click("c-3", T0 + 48 * Hour + 1));
        Assert.That(d.Process(Conversion("v-1", T0 + 48 * Hour + 1)), Is.EqualTo(AttributionOutcome.Attributed));
    }

    [Test]
    public void Window_and_lateness_are_configuration()
    {
        using var d = new CoreDriver(new AttributionConfig { WindowMs = Hour, AllowedLatenessMs = 10 * 60_000 });
        d.Process(Click("c-1", T0));
        Assert.That(d.Process(Conversion("v-1", T0 + Hour)), Is.EqualTo(AttributionOutcome.Attributed));
        Assert.That(d.Process(Conversion("v-2", T0 + Hour + 1)), Is.EqualTo(AttributionOutcome.ClickOutsideWindow));
        // W = T0 + 1 h + 1, horizon = W − 70 min.
        long horizon = T0 + Hour + 1 - 70 * 60_000;
        Assert.That(d.Process(Click("c-late", horizon - 1, campaign: "camp-2")), Is.EqualTo(AttributionOutcome.ClickExpiredOnArrival));
        Assert.That(d.Process(Click("c-ok", horizon, campaign: "camp-2")), Is.EqualTo(AttributionOutcome.ClickStored));
    }

    [Test]
    public void Users_are_isolated()
    {
        using var d = new CoreDriver();
        d.Process(Click("c-a", T0, user: "alice"));
        Assert.That(d.Process(Conversion("v-1", T0 + 1, user: "bob")), Is.EqualTo(AttributionOutcome.NoClick));
        d.Process(Click("c-b", T0, user: "bob"));
        Assert.That(d.Process(Conversion("v-1", T0 + 1, user: "alice")), Is.EqualTo(AttributionOutcome.Attributed));
        Assert.That(d.Process(Conversion("v-1", T0 + 1, user: "bob")), Is.EqualTo(AttributionOutcome.Attributed), "conversion ids are per user");
        Assert.That(d.Outputs.Select(o => (o.UserId, o.ClickId)), Is.EqualTo(new[] { ("alice", "c-a"), ("bob", "c-b") }));
    }

    [Test]
    public void User_and_campaign_boundaries_cannot_be_confused()
    {
        // The key length-prefixes the user: ("ab","c") and ("a","bc") are different states.
        using var d = new CoreDriver();
        d.Process(SimEvent.Click("c-1", "ab", "c", T0));
        Assert.That(d.Process(SimEvent.Conversion("v-1", "a", "bc", T0)), Is.EqualTo(AttributionOutcome.NoClick));
    }

    [Test]
    public void Same_user_different_partition_states_are_separate()
    {
        using var d = new CoreDriver();
        d.Process(Click("c-0", T0, partition: 0));
        Assert.That(d.Process(Conversion("v-1", T0 + 1, partition: 1)), Is.EqualTo(AttributionOutcome.NoClick));
        d.Process(Click("c-1", T0, partition: 1));
        Assert.That(d.Process(Conversion("v-1", T0 + 1, partition: 1)), Is.EqualTo(AttributionOutcome.Attributed));
        Assert.That(d.Process(Conversion("v-1", T0 + 1, partition: 0)), Is.EqualTo(AttributionOutcome.Attributed), "dedup is per partition too");
        // Event time in partition 1 moving on does not expire partition 0's click.
        d.Process(Click("c-far", T0 + 10 * Day, user: "other", partition: 1));
        Assert.That(d.Core.Watermarks.Get(0), Is.EqualTo(T0 + 1));
        Assert.That(d.Process(Conversion("v-2", T0 + 2, partition: 0)), Is.EqualTo(AttributionOutcome.Attributed));
        Assert.That(d.Process(Conversion("v-2", T0 + 2, partition: 1)), Is.EqualTo(AttributionOutcome.NoClick));
        Assert.That(d.Outputs.Select(o => (o.Partition, o.ClickId)), Is.EqualTo(new[] { (1, "c-1"), (0, "c-0"), (0, "c-0") }));
    }

    [Test]
    public void Watermark_is_the_largest_event_time_and_advances_before_the_rules()
    {
        using var d = new CoreDriver();
        Assert.That(d.Core.Watermarks.Get(3), Is.EqualTo(PartitionWatermarks.None));
        d.Process(Click("c-1", T0, partition: 3));
        d.Process(Click("c-2", T0 - 5, partition: 3));
        Assert.That(d.Core.Watermarks.Get(3), Is.EqualTo(T0));
        // A conversion far ahead moves the horizon past its own click before the lookup.
        Assert.That(d.Process(Conversion("v-1", T0 + 30 * Hour, partition: 3)), Is.EqualTo(AttributionOutcome.NoClick));
        Assert.That(d.Core.Watermarks.Get(3), Is.EqualTo(T0 + 30 * Hour));
    }
}
