using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Attribution.Native;
using Attribution.Tests.Engine.Attribution;

namespace Attribution.Tests.Reliability;

/// <summary>
/// The C ABI (in-process) when its state directory is read-only or full, and when its memory budget is far below its
/// state: an error status with a message and an engine that carries on — as attribution.h promises.
/// </summary>
[NonParallelizable]
public unsafe class NativeStateFaultTests
{
    private static readonly delegate* unmanaged<nint, byte*, nuint, int> s_snapshot = &QueryExports.Snapshot;

    [Test]
    public void Open_on_a_read_only_state_directory_fails_with_a_message_and_a_writable_one_still_opens()
    {
        var clock = Stopwatch.StartNew();
        using var fs = ScratchFileSystem.Mount(16L << 20);
        string readOnly = Path.Combine(fs.Path, "state");
        Directory.CreateDirectory(readOnly);
        fs.MakeReadOnly();
        byte[] config = Encoding.UTF8.GetBytes($"{{\"state_dir\":\"{readOnly}\"}}");
        nint e;
        int status;
        var call = Stopwatch.StartNew();
        fixed (byte* p = config)
        {
            status = NativeAbi.Open(p, (nuint)config.Length, &e);
        }
        int slow = Slow(call);
        string message = NativeAbi.LastErrorText();
        TestContext.Out.WriteLine($"attr_open on a read-only state_dir: {status} {message}");
        // The engine opened on a writable directory afterwards must work: one click and its conversion, one attribution.
        string writable = Path.Combine(Path.GetTempPath(), "attribution-reliability-" + Guid.NewGuid().ToString("N"));
        List<string> outputs;
        ulong faults;
        try
        {
            call.Restart();
            nint good = NativeAbi.OpenOrFail($"{{\"state_dir\":\"{writable}\"}}");
            try
            {
                Submit(good, 0, 1);
                Assert.That(NativeAbi.Flush(good, 0), Is.Zero, () => NativeAbi.LastErrorText());
                outputs = NativeAbi.Drain(good);
                faults = NativeAbi.ReadCounters(good).Faults;
            }
            finally
            {
                Assert.That(NativeAbi.Close(good), Is.Zero);
            }
            slow += Slow(call);
        }
        finally
        {
            Directory.Delete(writable, recursive: true);
        }
        var (lost, duplicated) = Attributions(outputs, 0, 1);
        // A failure without its documented status (or a handle handed out with it) is an abnormal return, like a shard fault.
        int abnormal = (status is (int)AttrStatus.InvalidConfig or (int)AttrStatus.Error ? 0 : 1) + (e == 0 ? 0 : 1) + (int)faults;
        ReliabilityReport.Add(new ReliabilityRow("disk and memory", "C ABI `attr_open` with a read-only state_dir", 1, clock.Elapsed,
            $"status {status}: \"{message}\"; then on a writable state_dir {outputs.Count} of 1 attribution",
            lost, duplicated, abnormal, slow, ReliabilityReport.TestCommand(nameof(NativeStateFaultTests))));
        Assert.That(status, Is.Not.Zero);
        Assert.That((lost, duplicated, abnormal, slow), Is.EqualTo((0, 0, 0, 0)), "the writable engine attributes; every call returns a documented status in time");
        Assert.That(e == 0, Is.True, "no handle on failure");
        Assert.That(message, Does.Contain(readOnly));
    }

    [Test]
    public void Snapshot_into_a_full_state_directory_fails_with_a_message_and_the_previous_one_recovers()
    {
        var clock = Stopwatch.StartNew();
        using var fs = ScratchFileSystem.Mount(64L << 20);
        string state = Path.Combine(fs.Path, "state");
        string config = $"{{\"state_dir\":\"{state}\",\"shards\":1}}";
        nint e = NativeAbi.OpenOrFail(config);
        int failed, snapshotted;
        string message;
        List<string> afterFailure;
        ulong faults;
        var call = Stopwatch.StartNew();
        int slow = 0;
        try
        {
            Submit(e, 0, 2_000);
            snapshotted = s_snapshot(e, null, 0);
            Assert.That(snapshotted, Is.Zero, () => NativeAbi.LastErrorText());
            Submit(e, 2_000, 4_000);
            Assert.That(NativeAbi.Flush(e, 0), Is.Zero, () => NativeAbi.LastErrorText());
            Assert.That(NativeAbi.Drain(e), Has.Count.EqualTo(4_000));
            Fill(fs.Path);
            call.Restart();
            failed = s_snapshot(e, null, 0);
            slow += Slow(call);
            message = NativeAbi.LastErrorText();
            TestContext.Out.WriteLine($"attr_snapshot on a full disk: {failed} {message}");
            // Processing goes on: the clicks of the last range get their conversions.
            call.Restart();
            Submit(e, 4_000, 5_000);
            Assert.That(NativeAbi.Flush(e, 0), Is.Zero, () => NativeAbi.LastErrorText());
            afterFailure = NativeAbi.Drain(e);
            slow += Slow(call);
            faults = NativeAbi.ReadCounters(e).Faults;
        }
        finally
        {
            Assert.That(NativeAbi.Close(e), Is.Zero);
        }
        File.Delete(Path.Combine(fs.Path, "filler"));

        // Reopening recovers the first snapshot: the clicks of user 1,000 are there, those of user 3,000 are not.
        nint reopened = NativeAbi.OpenOrFail(config);
        bool early, late;
        try
        {
            early = HasLastClick(reopened, 1_000);
            late = HasLastClick(reopened, 3_000);
        }
        finally
        {
            Assert.That(NativeAbi.Close(reopened), Is.Zero);
        }
        var (lost, duplicated) = Attributions(afterFailure, 4_000, 5_000);
        int abnormal = (failed is (int)AttrStatus.Error or 0 ? 0 : 1) + (int)faults;
        ReliabilityReport.Add(new ReliabilityRow("disk and memory", "C ABI `attr_snapshot` into a full tmpfs, then reopen", 1, clock.Elapsed,
            $"status {failed}: \"{message}\"; after it {afterFailure.Count} of 1000 attributions, {faults} shard faults; reopened from the previous snapshot: {(early && !late ? "yes" : "NO")}",
            lost, duplicated, abnormal, slow, ReliabilityReport.TestCommand(nameof(NativeStateFaultTests))));
        Assert.That(failed, Is.EqualTo((int)AttrStatus.Error), "ATTR_ERROR, as attribution.h says for a failed write");
        Assert.That(message, Is.Not.Empty);
        Assert.That(afterFailure, Has.Count.EqualTo(1_000), "the engine keeps processing after a failed snapshot");
        Assert.That((early, late), Is.EqualTo((true, false)), "the previous snapshot recovers");
        Assert.That((lost, duplicated, abnormal, slow), Is.EqualTo((0, 0, 0, 0)));
    }

    [Test]
    public void Memory_budget_far_below_the_state_keeps_every_attribution_and_a_budget_below_the_minimum_is_refused()
    {
        var clock = Stopwatch.StartNew();
        int seed = TestSeed.Get();
        var rng = new Random(seed);
        // 150,000 users with upstream-sized ids: about 25 MB of click records in 1 MiB per table.
        const int users = 150_000;
        string state = Path.Combine(Path.GetTempPath(), "attribution-reliability-" + Guid.NewGuid().ToString("N"));
        nint e = NativeAbi.OpenOrFail($"{{\"shards\":1,\"click_memory_bytes\":1048576,\"conversion_memory_bytes\":1048576,\"index_buckets\":4096,\"state_dir\":\"{state}\"}}");
        int attributed, expected, slow;
        ulong faults;
        long onDisk;
        var picked = new HashSet<int>();
        List<string> outputs;
        try
        {
            var batch = new StringBuilder();
            for (int u = 0; u < users; u++)
            {
                batch.Append(CultureInfo($"{{\"event_type\":\"click\",\"event_id\":\"{Guid.NewGuid()}\",\"user_id\":\"{User(u)}\",\"campaign_id\":\"camp-{u % 50}\",\"ad_id\":\"ad-{u % 97}\",\"source\":\"facebook\",\"timestamp\":{1_700_000_000_000L + u}}}\n"));
            }
            while (picked.Count < 3_000)
            {
                picked.Add(rng.Next(users));
            }
            expected = picked.Count;
            foreach (int u in picked)
            {
                batch.Append(CultureInfo($"{{\"event_type\":\"conversion\",\"event_id\":\"v-{u}\",\"user_id\":\"{User(u)}\",\"campaign_id\":\"camp-{u % 50}\",\"timestamp\":{1_700_000_000_000L + users + 10}}}\n"));
            }
            var call = Stopwatch.StartNew();
            SubmitAll(e, Encoding.UTF8.GetBytes(batch.ToString()));
            Assert.That(NativeAbi.Flush(e, 0), Is.Zero, () => NativeAbi.LastErrorText());
            outputs = NativeAbi.Drain(e);
            attributed = outputs.Count;
            // The whole batch is 150,000 clicks; far beyond the per-call bound it would be stuck, not slow.
            slow = call.Elapsed > 10 * CallLimit ? 1 : 0;
            faults = NativeAbi.ReadCounters(e).Faults;
            // What left the 1 MiB of memory went to the tables' log files.
            onDisk = new DirectoryInfo(state).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        }
        finally
        {
            Assert.That(NativeAbi.Close(e), Is.Zero);
            Directory.Delete(state, recursive: true);
        }

        byte[] tiny = "{\"click_memory_bytes\":65536}"u8.ToArray();
        nint none;
        int refused;
        fixed (byte* p = tiny)
        {
            refused = NativeAbi.Open(p, (nuint)tiny.Length, &none);
        }
        string message = NativeAbi.LastErrorText();
        var (lost, duplicated) = Attributions(outputs, picked);
        ReliabilityReport.Add(new ReliabilityRow("disk and memory", "C ABI with 1 MiB per state table and ~25 MB of clicks; a 64 KiB budget", users + expected, clock.Elapsed,
            $"{attributed} of {expected} attributed, {faults} shard faults, {onDisk >> 20} MiB of state files; 64 KiB budget: status {refused} \"{message}\"",
            lost, duplicated, (int)faults, slow, ReliabilityReport.TestCommand(nameof(NativeStateFaultTests), seed)));
        Assert.That((attributed, faults, lost, duplicated, slow), Is.EqualTo((expected, 0UL, 0, 0, 0)));
        Assert.That(onDisk, Is.GreaterThan(8L << 20), "the state must really be far beyond the 2 MiB of memory");
        Assert.That(refused, Is.EqualTo((int)AttrStatus.InvalidConfig), message);
    }

    /// <summary>Longest a single ABI call (open, snapshot, a flush of a few thousand events) may take before it counts as hung.</summary>
    private static readonly TimeSpan CallLimit = TimeSpan.FromSeconds(30);

    private static int Slow(Stopwatch call) => call.Elapsed > CallLimit ? 1 : 0;

    /// <summary>Attributions of the conversions of users [from, to) (<see cref="Submit"/>) missing from, or repeated in, <paramref name="outputs"/>.</summary>
    private static (int Lost, int Duplicated) Attributions(List<string> outputs, int from, int to) => Attributions(outputs, Enumerable.Range(from, to - from));

    /// <summary>Attributions of the conversions (<c>v-{user}</c>) of <paramref name="users"/> missing from, or repeated in, <paramref name="outputs"/>.</summary>
    private static (int Lost, int Duplicated) Attributions(List<string> outputs, IEnumerable<int> users)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string line in outputs)
        {
            using var doc = JsonDocument.Parse(line);
            string id = doc.RootElement.GetProperty("conversion_id").GetString()!;
            seen[id] = seen.GetValueOrDefault(id) + 1;
        }
        return (users.Count(u => !seen.ContainsKey($"v-{u}")), seen.Values.Sum(n => n - 1));
    }

    [Test]
    public void State_that_cannot_be_written_makes_the_next_calls_fail_with_the_file_and_no_space_and_close_returns()
    {
        var clock = Stopwatch.StartNew();
        using var fs = ScratchFileSystem.Mount(4L << 20);
        string state = Path.Combine(fs.Path, "state");
        nint e = NativeAbi.OpenOrFail($"{{\"shards\":1,\"click_memory_bytes\":1048576,\"conversion_memory_bytes\":1048576,\"index_buckets\":1024,\"state_dir\":\"{state}\"}}");
        int status = 0, flushed;
        string message = "";
        try
        {
            // Clicks until the tables' log, spilling from 1 MiB of memory, finds the 4 MiB disk full.
            for (int round = 0; round < 200 && status == 0 && clock.Elapsed < TimeSpan.FromMinutes(2); round++)
            {
                var batch = new StringBuilder();
                for (int u = round * 5_000; u < (round + 1) * 5_000; u++)
                {
                    batch.Append(CultureInfo($"{{\"event_type\":\"click\",\"event_id\":\"c-{u}\",\"user_id\":\"{User(u)}\",\"campaign_id\":\"k\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":{1_700_000_000_000L + u}}}\n"));
                }
                byte[] bytes = Encoding.UTF8.GetBytes(batch.ToString());
                BatchResult result;
                fixed (byte* p = bytes)
                {
                    status = NativeAbi.SubmitBatch(e, p, (nuint)bytes.Length, 0, &result);
                }
                if (status == (int)AttrStatus.Backpressure)
                {
                    NativeAbi.Drain(e);
                    status = 0;
                }
            }
            message = NativeAbi.LastErrorText();
            flushed = NativeAbi.Flush(e, 0);
            TestContext.Out.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: status {status}: {message}; then attr_flush {flushed}: {NativeAbi.LastErrorText()}");
        }
        finally
        {
            var closing = Stopwatch.StartNew();
            Assert.That(NativeAbi.Close(e), Is.Zero);
            Assert.That(closing.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "close does not hang on the stopped shard");
        }
        Assert.That(status, Is.EqualTo((int)AttrStatus.Error), "the fault is not swallowed");
        Assert.That(message, Does.Contain(state).And.Contain("no space left on device").IgnoreCase); // our device wrapper or the runtime's IOException
        Assert.That(flushed, Is.EqualTo((int)AttrStatus.Error), "every later call says so");
    }

    private static string User(int u) => $"{u:D8}-aaaa-bbbb-cccc-{u:D12}";

    private static string CultureInfo(FormattableString text) => FormattableString.Invariant(text);

    /// <summary>Clicks and, 10 ms later, conversions for users [from, to): each conversion attributed.</summary>
    private static void Submit(nint engine, int from, int to)
    {
        var batch = new StringBuilder();
        for (int u = from; u < to; u++)
        {
            batch.Append(CultureInfo($"{{\"event_type\":\"click\",\"event_id\":\"c-{u}\",\"user_id\":\"u-{u}\",\"campaign_id\":\"k\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":{1_700_000_000_000L + u}}}\n"));
        }
        for (int u = from; u < to; u++)
        {
            batch.Append(CultureInfo($"{{\"event_type\":\"conversion\",\"event_id\":\"v-{u}\",\"user_id\":\"u-{u}\",\"campaign_id\":\"k\",\"timestamp\":{1_700_000_000_000L + u + 10}}}\n"));
        }
        SubmitAll(engine, Encoding.UTF8.GetBytes(batch.ToString()));
    }

    private static void SubmitAll(nint engine, byte[] ndjson)
    {
        int offset = 0;
        while (true)
        {
            BatchResult result;
            int status;
            fixed (byte* p = ndjson)
            {
                status = NativeAbi.SubmitBatch(engine, p + offset, (nuint)(ndjson.Length - offset), offset, &result);
            }
            Assert.That(result.Rejected, Is.Zero);
            if (status != (int)AttrStatus.Backpressure)
            {
                Assert.That(status, Is.Zero, () => NativeAbi.LastErrorText());
                return;
            }
            offset += (int)result.Consumed;
            NativeAbi.Drain(engine);
        }
    }

    private static bool HasLastClick(nint engine, int user)
    {
        byte[] u = Encoding.UTF8.GetBytes($"u-{user}");
        var buf = new byte[512];
        nuint written;
        int status;
        fixed (byte* up = u, k = "k"u8, b = buf)
        {
            status = NativeAbi.LastClick(engine, up, (nuint)u.Length, k, 1, b, (nuint)buf.Length, &written);
        }
        Assert.That(status, Is.EqualTo(0).Or.EqualTo((int)AttrStatus.NotFound), () => NativeAbi.LastErrorText());
        return status == 0;
    }

    private static void Fill(string mount)
    {
        using var stream = new FileStream(Path.Combine(mount, "filler"), FileMode.Create);
        var block = new byte[1 << 16];
        try
        {
            while (true)
            {
                stream.Write(block);
                stream.Flush();
            }
        }
        catch (IOException)
        {
            // The file system is full.
        }
    }
}
