using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Attribution.Engine.Attribution;
using Attribution.Engine.Codecs;
using Attribution.Engine.Events;
using Attribution.Native;
using Attribution.Tests.Host.Replay;

namespace Attribution.Tests.Reliability;

/// <summary>
/// The malformed-input corpus through the decoders, the <c>replay</c> command and the C ABI: every record is rejected
/// with its reason (or, for the few borderline ones, accepted), counted by reason, dead-lettered where there is a dead
/// letter, and the good records around it are still attributed. The Kafka host has its own test (KafkaCorpusTests).
/// </summary>
[NonParallelizable]
public unsafe class MalformedCorpusTests
{
    /// <summary>Longest any single record may take to decode before it counts as slowing its partition.</summary>
    private static readonly TimeSpan SlowRecord = TimeSpan.FromSeconds(1);

    private static readonly int DefaultLimit = new AttributionConfig().MaxRecordBytes;

    [Test]
    public void Decoders_reject_every_corpus_record_with_its_reason_without_throwing_or_stalling()
    {
        var clock = Stopwatch.StartNew();
        var corpus = MalformedCorpus.All();
        var wrong = new List<string>();
        var byReason = new SortedDictionary<string, int>(StringComparer.Ordinal);
        int crashed = 0, slow = 0;
        TimeSpan slowest = TimeSpan.Zero;
        string slowestName = "";
        foreach (var record in corpus)
        {
            var (reason, took, error) = Decode(record.Bytes, record.IsMessagePack, DefaultLimit);
            crashed += error is null ? 0 : 1;
            slow += took > SlowRecord ? 1 : 0;
            if (took > slowest)
            {
                (slowest, slowestName) = (took, record.Name);
            }
            byReason[RejectReasons.Name(reason)] = byReason.GetValueOrDefault(RejectReasons.Name(reason)) + 1;
            if (error is not null || reason != record.Expected)
            {
                wrong.Add($"{record}: expected {RejectReasons.Name(record.Expected)}, got {RejectReasons.Name(reason)} {error}");
            }
        }

        // With the largest record limit (16 MiB) the 10 MB records get past the size check: the decoder skips the
        // 10 MB ignored string and accepts the record, and refuses the 10 MB id for its slot.
        const int largest = 16 * 1024 * 1024;
        var (metadataReason, metadataTook, metadataError) = Decode(MalformedCorpus.Generated()[1].Bytes, false, largest);
        var (idReason, idTook, idError) = Decode(MalformedCorpus.Generated()[0].Bytes, false, largest);
        TestContext.Out.WriteLine($"10 MB with a 16 MiB limit: metadata {RejectReasons.Name(metadataReason)} in {metadataTook.TotalMilliseconds:F1} ms, id {RejectReasons.Name(idReason)} in {idTook.TotalMilliseconds:F1} ms");

        ReliabilityReport.Add(new ReliabilityRow("malformed input", "corpus through the JSON and MessagePack decoders", corpus.Count + 2, clock.Elapsed,
            $"{string.Join(", ", byReason.Select(kv => $"{kv.Key} {kv.Value}"))}; wrong reason {wrong.Count}; slowest {slowestName} {slowest.TotalMilliseconds:F1} ms",
            wrong.Count, null, crashed + (metadataError is null ? 0 : 1) + (idError is null ? 0 : 1), slow + (metadataTook > SlowRecord ? 1 : 0) + (idTook > SlowRecord ? 1 : 0), ReliabilityReport.TestCommand(nameof(MalformedCorpusTests))));
        Assert.That(wrong, Is.Empty);
        Assert.That(slow, Is.Zero, $"slowest: {slowestName} {slowest}");
        Assert.That((metadataReason, idReason), Is.EqualTo((RejectReason.None, RejectReason.FieldTooLong)), $"{metadataError} {idError}");
        Assert.That(metadataTook < SlowRecord && idTook < SlowRecord, Is.True);
    }

    [Test]
    public void Replay_dead_letters_every_bad_line_with_its_reason_and_attributes_the_lines_around_it()
    {
        var clock = Stopwatch.StartNew();
        var lines = MalformedCorpus.All().Where(r => r.FitsOnALine).ToList();
        string dir = Path.Combine(Path.GetTempPath(), "attribution-reliability-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            // Per corpus record: a click, the record, a conversion of the click (its own user) — 3 lines.
            string input = Path.Combine(dir, "in.jsonl");
            var expectedLetters = new Dictionary<long, RejectReason>();
            using (var file = File.Create(input))
            {
                for (int i = 0; i < lines.Count; i++)
                {
                    file.Write(Click(i));
                    file.Write("\n"u8);
                    file.Write(lines[i].Bytes);
                    file.Write("\n"u8);
                    file.Write(Conversion(i));
                    file.Write("\n"u8);
                    if (lines[i].Expected != RejectReason.None)
                    {
                        expectedLetters[3L * i + 2] = lines[i].Expected; // line numbers count from 1
                    }
                }
            }
            string output = Path.Combine(dir, "out.jsonl"), bad = Path.Combine(dir, "bad.jsonl");
            // The corpus's valid records are stamped months before the clicks around them: the event-time guard's bound goes beyond that.
            var (exit, _, stderr, hung) = ReplayCommandTests.RunCliWithin(TimeSpan.FromSeconds(120), "", "replay", "--input", input, "--output", output, "--dead-letter", bad, "--quiet",
                "--max-clock-skew", "400d");
            TestContext.Out.WriteLine(stderr);

            var letters = new Dictionary<long, string>();
            long duplicateLetters = 0;
            foreach (string line in File.Exists(bad) ? File.ReadAllLines(bad) : [])
            {
                using var doc = JsonDocument.Parse(line);
                long at = doc.RootElement.GetProperty("line").GetInt64();
                duplicateLetters += letters.TryAdd(at, doc.RootElement.GetProperty("reason").GetString()!) ? 0 : 1;
            }
            var wrong = expectedLetters.Where(kv => letters.GetValueOrDefault(kv.Key) != RejectReasons.Name(kv.Value))
                .Select(kv => $"line {kv.Key} {lines[(int)(kv.Key - 2) / 3]}: expected {RejectReasons.Name(kv.Value)}, dead letter says {letters.GetValueOrDefault(kv.Key) ?? "nothing"}")
                .Concat(letters.Keys.Where(k => !expectedLetters.ContainsKey(k)).Select(k => $"line {k} dead-lettered ({letters[k]}) but it is valid"))
                .ToList();
            var (lost, duplicated, extra) = CountAttributions(File.Exists(output) ? File.ReadAllLines(output) : [], lines.Count);

            ReliabilityReport.Add(new ReliabilityRow("malformed input", "corpus through `attribution replay` (one bad line between a click and its conversion)", lines.Count, clock.Elapsed,
                $"exit {exit}; {letters.Count} dead letters of {expectedLetters.Count} expected; wrong or missing reason {wrong.Count}; unrelated attributions {extra}",
                lost + wrong.Count, duplicated + duplicateLetters, !hung && (exit is not (0 or 1) || stderr.Contains("Unhandled exception", StringComparison.Ordinal)) ? 1 : 0, hung ? 1 : 0,
                ReliabilityReport.TestCommand(nameof(MalformedCorpusTests))));
            Assert.That(hung, Is.False, "replay of the corpus did not finish within 120 s");
            Assert.That(exit, Is.Zero, stderr);
            Assert.That(wrong, Is.Empty);
            Assert.That((lost, duplicated, duplicateLetters), Is.EqualTo((0, 0, 0L)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void C_abi_rejects_every_corpus_record_with_its_reason_counts_it_and_keeps_attributing()
    {
        var clock = Stopwatch.StartNew();
        var corpus = MalformedCorpus.All();
        // Decoding is under test: the corpus's valid records are stamped months before the clicks around them, which the
        // event-time guard would reject as clock_skew, so its bound is set beyond any gap here.
        nint e = NativeAbi.OpenOrFail("{\"shards\":2,\"max_clock_skew_ms\":2305843009213693951}");
        var wrong = new List<string>();
        var expectedByReason = new long[RejectReasons.Count];
        int crashed = 0;
        TimeSpan slowest = TimeSpan.Zero;
        long position = 0;
        try
        {
            for (int i = 0; i < corpus.Count; i++)
            {
                Assert.That(NativeAbi.SubmitRecord(e, Click(i), false, position++, out _), Is.Zero, () => NativeAbi.LastErrorText());
                var one = Stopwatch.StartNew();
                int status = NativeAbi.SubmitRecord(e, corpus[i].Bytes, corpus[i].IsMessagePack, position++, out int reason);
                slowest = one.Elapsed > slowest ? one.Elapsed : slowest;
                string message = NativeAbi.LastErrorText();
                expectedByReason[(int)corpus[i].Expected]++;
                int wantStatus = corpus[i].Expected == RejectReason.None ? (int)AttrStatus.Ok : (int)AttrStatus.Rejected;
                crashed += status == (int)AttrStatus.Error ? 1 : 0;
                if (status != wantStatus || reason != (int)corpus[i].Expected
                    || (status != 0 && !message.Contains(RejectReasons.Name(corpus[i].Expected), StringComparison.Ordinal)))
                {
                    wrong.Add($"{corpus[i]}: expected status {wantStatus} reason {RejectReasons.Name(corpus[i].Expected)}, got status {status} reason {reason} ({message})");
                }
                Assert.That(NativeAbi.SubmitRecord(e, Conversion(i), false, position++, out _), Is.Zero, () => NativeAbi.LastErrorText());
            }
            Assert.That(NativeAbi.Flush(e, 0), Is.Zero, () => NativeAbi.LastErrorText());
            var (lost, duplicated, extra) = CountAttributions(NativeAbi.Drain(e), corpus.Count);
            var counters = NativeAbi.ReadCounters(e);
            var counted = new ulong[RejectReasons.Count];
            for (int r = 0; r < counted.Length; r++)
            {
                counted[r] = counters.Rejections[r];
            }
            var countWrong = Enumerable.Range(1, RejectReasons.Count - 1).Where(r => counted[r] != (ulong)expectedByReason[r])
                .Select(r => $"{RejectReasons.Name((RejectReason)r)}: counted {counted[r]}, expected {expectedByReason[r]}").ToList();

            ReliabilityReport.Add(new ReliabilityRow("malformed input", "corpus through the C ABI (`attr_submit`, in-process)", corpus.Count, clock.Elapsed,
                $"rejected {counters.Rejected} (counters by reason {(countWrong.Count == 0 ? "exact" : string.Join("; ", countWrong))}); wrong status or reason {wrong.Count}; unrelated attributions {extra}; slowest call {slowest.TotalMilliseconds:F1} ms",
                lost + wrong.Count, duplicated, crashed, slowest > SlowRecord ? 1 : 0, ReliabilityReport.TestCommand(nameof(MalformedCorpusTests))));
            Assert.That(wrong, Is.Empty);
            Assert.That(countWrong, Is.Empty);
            Assert.That((lost, duplicated), Is.EqualTo((0, 0)));
            Assert.That(slowest, Is.LessThan(SlowRecord));
        }
        finally
        {
            Assert.That(NativeAbi.Close(e), Is.Zero);
        }
    }

    [Test]
    public void C_abi_batches_of_corpus_records_count_every_rejection_and_accept_the_rest()
    {
        var lines = MalformedCorpus.Committed().Where(r => r.FitsOnALine).ToList();
        var frames = MalformedCorpus.Committed().Where(r => r.IsMessagePack).ToList();
        nint e = NativeAbi.OpenOrFail("{\"shards\":1}");
        try
        {
            // Joined as bytes: a string round trip would repair the invalid UTF-8 records.
            byte[] ndjson = lines.SelectMany((l, i) => i == 0 ? l.Bytes : [(byte)'\n', .. l.Bytes]).ToArray();
            BatchResult json;
            fixed (byte* p = ndjson)
            {
                Assert.That(NativeAbi.SubmitBatch(e, p, (nuint)ndjson.Length, 1, &json), Is.Zero, () => NativeAbi.LastErrorText());
            }
            int firstBad = lines.FindIndex(l => l.Expected != RejectReason.None);
            Assert.That((json.Accepted, json.Rejected, json.FirstRejected, json.FirstRejectReason),
                Is.EqualTo(((ulong)lines.Count(l => l.Expected == RejectReason.None), (ulong)lines.Count(l => l.Expected != RejectReason.None), (long)firstBad, (int)lines[firstBad].Expected)));

            using var packed = new MemoryStream();
            foreach (var f in frames)
            {
                packed.Write(BitConverter.GetBytes(f.Bytes.Length)); // little-endian on every machine we run
                packed.Write(f.Bytes);
            }
            byte[] framed = packed.ToArray();
            BatchResult pack;
            fixed (byte* p = framed)
            {
                Assert.That(NativeAbi.SubmitBatchMessagePack(e, p, (nuint)framed.Length, 1000, &pack), Is.Zero, () => NativeAbi.LastErrorText());
            }
            Assert.That((pack.Accepted, pack.Rejected),
                Is.EqualTo(((ulong)frames.Count(f => f.Expected == RejectReason.None), (ulong)frames.Count(f => f.Expected != RejectReason.None))));
        }
        finally
        {
            Assert.That(NativeAbi.Close(e), Is.Zero);
        }
    }

    [Test]
    public void C_abi_with_the_largest_record_limit_skips_a_10_mb_ignored_string_and_refuses_a_10_mb_id()
    {
        nint e = NativeAbi.OpenOrFail("{\"shards\":1,\"max_record_bytes\":16777216}");
        try
        {
            var clock = Stopwatch.StartNew();
            Assert.That(NativeAbi.SubmitRecord(e, MalformedCorpus.Generated()[1].Bytes, false, 1, out int accepted), Is.Zero, () => NativeAbi.LastErrorText());
            Assert.That(NativeAbi.SubmitRecord(e, MalformedCorpus.Generated()[0].Bytes, false, 2, out int refused), Is.EqualTo((int)AttrStatus.Rejected));
            Assert.That((accepted, refused), Is.EqualTo((0, (int)RejectReason.FieldTooLong)));
            Assert.That(clock.Elapsed, Is.LessThan(2 * SlowRecord));
        }
        finally
        {
            Assert.That(NativeAbi.Close(e), Is.Zero);
        }
    }

    /// <summary>The good click of group <paramref name="i"/>: a user of its own, so only its conversion can match it.</summary>
    internal static byte[] Click(int i) => Encoding.UTF8.GetBytes(
        $"{{\"event_type\":\"click\",\"event_id\":\"c-g{i}\",\"user_id\":\"u-g{i}\",\"campaign_id\":\"k\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":{1_700_000_000_000L + i}}}");

    /// <summary>The conversion that must be attributed to <see cref="Click"/> of the same group.</summary>
    internal static byte[] Conversion(int i) => Encoding.UTF8.GetBytes(
        $"{{\"event_type\":\"conversion\",\"event_id\":\"v-g{i}\",\"user_id\":\"u-g{i}\",\"campaign_id\":\"k\",\"value\":1.25,\"timestamp\":{1_700_000_000_000L + i + 1000}}}");

    /// <summary>
    /// Checks output lines against the groups: each group's conversion attributed to its click exactly once. Lines of
    /// other users come from the corpus's valid borderline records (user u-x) and are only counted.
    /// </summary>
    internal static (int Lost, int Duplicated, int Extra) CountAttributions(IEnumerable<string> outputLines, int groups)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        int extra = 0;
        foreach (string line in outputLines)
        {
            using var doc = JsonDocument.Parse(line);
            string conversion = doc.RootElement.GetProperty("conversion_id").GetString()!;
            if (!conversion.StartsWith("v-g", StringComparison.Ordinal))
            {
                Assert.That(doc.RootElement.GetProperty("user_id").GetString(), Is.EqualTo("u-x"), line);
                extra++;
                continue;
            }
            Assert.That(doc.RootElement.GetProperty("click_id").GetString(), Is.EqualTo("c-g" + conversion[3..]), line);
            seen[conversion] = seen.GetValueOrDefault(conversion) + 1;
        }
        int lost = Enumerable.Range(0, groups).Count(i => !seen.ContainsKey("v-g" + i));
        return (lost, seen.Values.Sum(n => n - 1), extra);
    }

    private static (RejectReason Reason, TimeSpan Took, Exception? Error) Decode(byte[] bytes, bool messagePack, int limit)
    {
        EventRecord record = default;
        var clock = Stopwatch.StartNew();
        try
        {
            var reason = messagePack
                ? MessagePackEventReader.Read((ReadOnlySpan<byte>)bytes, ref record, limit)
                : JsonEventReader.Read(bytes, ref record, limit);
            return (reason, clock.Elapsed, null);
        }
        catch (Exception e) when (e is not AssertionException)
        {
            return (RejectReason.None, clock.Elapsed, e);
        }
    }
}
