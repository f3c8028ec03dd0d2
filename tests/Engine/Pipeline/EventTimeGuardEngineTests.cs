using System.Text;
using Attribution.Engine.Attribution;
using Attribution.Engine.Events;
using Attribution.Engine.Pipeline;
using Attribution.Engine.Snapshots;
using Attribution.Tests.Engine.Attribution;

namespace Attribution.Tests.Engine.Pipeline;

/// <summary>The event-time guard through the whole engine (JSON bytes → Submit → ring → shards).</summary>
[Category(TestCategories.Slow)]
public class EventTimeGuardEngineTests
{
    internal const long T0 = 1_678_886_400_000;
    internal const long Year2100 = 4_102_444_800_000;

    /// <summary>200 users × 2 campaigns: their clicks, one click stamped in 2100, then one conversion per click.</summary>
    internal static List<string> OneFutureClickStream()
    {
        var lines = new List<string>();
        for (int u = 0; u < 200; u++)
        {
            for (int k = 0; k < 2; k++)
            {
                lines.Add(Click($"c-{u}-{k}", $"user-{u}", $"camp-{k}", T0 + u * 1_000));
            }
        }
        lines.Add(Click("c-future", "user-skewed", "camp-0", Year2100));
        for (int u = 0; u < 200; u++)
        {
            for (int k = 0; k < 2; k++)
            {
                lines.Add(Conversion($"v-{u}-{k}", $"user-{u}", $"camp-{k}", T0 + 3_600_000 + u * 1_000));
            }
        }
        return lines;
    }

    internal static string Click(string id, string user, string campaign, long ts)
        => $$"""{"event_type":"click","event_id":"{{id}}","user_id":"{{user}}","campaign_id":"{{campaign}}","ad_id":"ad-1","source":"facebook","timestamp":{{ts}}}""";

    internal static string Conversion(string id, string user, string campaign, long ts)
        => $$"""{"event_type":"conversion","event_id":"{{id}}","user_id":"{{user}}","campaign_id":"{{campaign}}","type":"purchase","value":19.99,"timestamp":{{ts}}}""";

    private static EngineOptions Options(AttributionConfig config) => new()
    {
        Attribution = config,
        Shards = 1,
        RingSize = 256,
        ClickMemoryBytes = 1 << 20,
        ConversionMemoryBytes = 1 << 20,
        IndexBuckets = 1 << 10,
    };

    [Test]
    public void One_click_stamped_in_2100_does_not_expire_the_state_of_a_single_partition()
    {
        var output = new CollectingOutput();
        var rejected = new List<(long Line, RejectReason Reason)>();
        List<string> lines = OneFutureClickStream();
        using (var engine = new AttributionEngine(Options(new AttributionConfig { Partitions = 1 }), output))
        {
            for (int i = 0; i < lines.Count; i++)
            {
                RejectReason reason = engine.Submit(Encoding.UTF8.GetBytes(lines[i]), position: i + 1);
                if (reason != RejectReason.None)
                {
                    rejected.Add((i + 1, reason));
                }
            }
            engine.Flush();
        }
        Assert.That(output.Items, Has.Count.EqualTo(400), "every conversion is attributed to its user's click");
        Assert.That(rejected, Is.EqualTo(new[] { (401L, RejectReason.ClockSkew) }), "only the 2100 click is rejected, with its reason");
    }

    [TestCase(1)]
    [TestCase(3)]
    public void Random_streams_with_clock_outliers_give_exactly_the_reference_models_output(int shards)
    {
        int seed = TestSeed.Get();
        var rng = new Random(seed);
        long attributed = 0, skewed = 0, outliers = 0;
        for (int iteration = 0; iteration < 12; iteration++)
        {
            int streamSeed = rng.Next();
            (AttributionConfig config, List<SimEvent> generated) = StreamGenerator.Generate(streamSeed, 2_000);
            List<SimEvent> items = ClockSkewInjector.Insert(generated, streamSeed, rng.Next(3, 8));
            RunResult expected = AttributionRun.Reference(config, items, guarded: true);
            var (outputs, counters) = EngineReferenceTests.RunEngine(config, items, shards);
            string? difference = EngineReferenceTests.Compare(expected, outputs, counters);
            Assert.That(difference, Is.Null,
                $"seed {seed} (ATTRIBUTION_SEED={seed}), stream {iteration} (stream seed {streamSeed}), {shards} shards: {difference}");
            attributed += outputs.Count;
            skewed += counters.Rejection(RejectReason.ClockSkew);
            outliers += items.Count(ClockSkewInjector.IsOutlier);
        }
        TestContext.Out.WriteLine($"seed {seed}: {outliers} outliers inserted, {skewed} events rejected as clock_skew, {attributed} attributions compared");
        Assert.That(skewed, Is.GreaterThan(outliers / 2), "most inserted outliers must reach the guard's rejection path");
    }

    [Test]
    public void Outliers_never_change_the_attributions_of_a_stream_whose_partitions_have_started()
    {
        // Each partition starts with three normal events; then outliers may come anywhere: the output is the clean stream's.
        int seed = TestSeed.Get();
        var rng = new Random(seed);
        for (int iteration = 0; iteration < 8; iteration++)
        {
            int streamSeed = rng.Next();
            (AttributionConfig config, List<SimEvent> clean) = StreamGenerator.Generate(streamSeed, 2_000);
            var started = new Dictionary<int, int>();
            var startedAt = new List<int>();
            for (int i = 0; i < clean.Count; i++)
            {
                if (clean[i].Kind is SimKind.Click or SimKind.Conversion && (started[clean[i].Partition] = started.GetValueOrDefault(clean[i].Partition) + 1) > 3)
                {
                    startedAt.Add(i);
                }
            }
            var withOutliers = clean.ToList();
            int inserted = 0;
            foreach (int at in startedAt.OrderBy(_ => rng.Next()).Take(6).OrderDescending())
            {
                SimEvent basis = clean[at];
                long skewed = rng.Next(2) == 0 || basis.Timestamp < 0 ? Year2100 : basis.Timestamp - 10 * 365 * 24 * AttributionConfig.HourMs;
                withOutliers.Insert(at + 1, basis with { EventId = $"x-skew-{inserted++}", Timestamp = skewed });
            }
            RunResult cleanRun = AttributionRun.Reference(config, clean, guarded: true);
            var (outputs, counters) = EngineReferenceTests.RunEngine(config, withOutliers, shards: 2);
            // Per partition in order (partitions interleave across shards).
            Assert.That(outputs.GroupBy(o => o.Partition).OrderBy(g => g.Key).SelectMany(g => g),
                Is.EqualTo(cleanRun.Outputs.GroupBy(o => o.Partition).OrderBy(g => g.Key).SelectMany(g => g)),
                $"seed {seed} (ATTRIBUTION_SEED={seed}), stream {iteration} (stream seed {streamSeed})");
            TestContext.Out.WriteLine($"stream {iteration}: {inserted} outliers, {counters.Rejection(RejectReason.ClockSkew) - cleanRun.Rejections.GetValueOrDefault(RejectReason.ClockSkew)} more clock_skew rejections, {outputs.Count} attributions as without them");
        }
    }

    [Test]
    public void A_snapshot_carries_the_guards_pending_event_times()
    {
        string dir = Directory.CreateTempSubdirectory("attr-guard-snap-").FullName;
        try
        {
            var config = new AttributionConfig { Partitions = 1 };
            EngineOptions options = Options(config) with { StateDirectory = dir };
            using (var engine = AttributionEngine.Open(options, new CollectingOutput()))
            {
                // The partition's bootstrap is two events in: a clock outlier and a normal click.
                engine.Submit(Encoding.UTF8.GetBytes(Click("c-x", "u-x", "k", Year2100)), position: 1);
                engine.Submit(Encoding.UTF8.GetBytes(Click("c-1", "u-1", "k", T0)), position: 2);
                engine.Snapshot();
            }
            using (var engine = AttributionEngine.Open(options, new CollectingOutput()))
            {
                Assert.That(engine.RecoveredSnapshot!.Partitions.Single().PendingEventTimes, Is.EqualTo(new[] { Year2100, T0 }));
                Assert.That(engine.Submit(Encoding.UTF8.GetBytes(Click("c-2", "u-2", "k", T0 + 1)), position: 3), Is.EqualTo(RejectReason.None));
                // Restored, the third event completed the bootstrap (W = T0 + 1): 2100 is now an outlier; a guard that
                // had lost its pending times would still be bootstrapping and accept it.
                Assert.That(engine.Submit(Encoding.UTF8.GetBytes(Click("c-y", "u-y", "k", Year2100)), position: 4), Is.EqualTo(RejectReason.ClockSkew));
                // A run ahead, two events in, across another snapshot: the restored run is completed by the third.
                engine.Submit(Encoding.UTF8.GetBytes(Click("c-z", "u-z", "k", Year2100 + 1)), position: 5);
                engine.Snapshot();
            }
            using (var engine = AttributionEngine.Open(options, new CollectingOutput()))
            {
                Assert.That(engine.RecoveredSnapshot!.Partitions.Single().PendingEventTimes, Is.EqualTo(new[] { Year2100, Year2100 + 1 }));
                Assert.That(engine.Submit(Encoding.UTF8.GetBytes(Click("c-w", "u-w", "k", Year2100 + 2)), position: 6), Is.EqualTo(RejectReason.None));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void A_partition_file_carries_the_guards_pending_event_times_and_an_old_file_is_refused()
    {
        string dir = Directory.CreateTempSubdirectory("attr-guard-file-").FullName;
        try
        {
            var config = new AttributionConfig { Partitions = 1 };
            string path = Path.Combine(dir, "p0.state");
            using (var engine = new AttributionEngine(Options(config), new CollectingOutput()))
            {
                for (int i = 0; i < 3; i++)
                {
                    engine.Submit(Encoding.UTF8.GetBytes(Click($"c-{i}", $"u-{i}", "k", T0 + i)), position: i + 1);
                }
                Assert.That(engine.Submit(Encoding.UTF8.GetBytes(Click("c-x", "u-x", "k", Year2100)), position: 4), Is.EqualTo(RejectReason.ClockSkew));
                Assert.That(engine.Submit(Encoding.UTF8.GetBytes(Click("c-y", "u-y", "k", Year2100 + 1)), position: 5), Is.EqualTo(RejectReason.ClockSkew));
                PartitionStateInfo written = engine.ExportPartition(0, path);
                Assert.That(written.PendingEventTimes, Is.EqualTo(new[] { Year2100, Year2100 + 1 }));
            }
            using (var engine = new AttributionEngine(Options(config), new CollectingOutput()))
            {
                PartitionStateInfo read = engine.ImportPartition(0, path);
                Assert.That((read.Watermark, read.PendingEventTimes), Is.EqualTo((T0 + 2, new[] { Year2100, Year2100 + 1 })));
                Assert.That(engine.Submit(Encoding.UTF8.GetBytes(Click("c-z", "u-z", "k", Year2100 + 2)), position: 6), Is.EqualTo(RejectReason.None),
                    "the imported run is completed by its third event");
            }
            using (var engine = new AttributionEngine(Options(config with { ClockConfirmations = 4 }), new CollectingOutput()))
            {
                var other = Assert.Throws<InvalidDataException>(() => engine.ImportPartition(0, path));
                Assert.That(other!.Message, Does.Contain("clock confirmations 3 vs 4"));
            }
            byte[] bytes = File.ReadAllBytes(path);
            "ATTRPST1"u8.CopyTo(bytes);
            File.WriteAllBytes(path, bytes);
            var old = Assert.Throws<InvalidDataException>(() => PartitionStateFile.Inspect(path, config));
            Assert.That(old!.Message, Does.StartWith("it is a version-1 partition state file"));
            TestContext.Out.WriteLine(old.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
