using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Attribution.Engine.Attribution;
using Attribution.Engine.Codecs;
using Attribution.Engine.Events;
using Attribution.Native;

namespace Attribution.Tests.Reliability.Fuzz;

/// <summary>
/// A mutation fuzzer for the decoders and the C ABI's entry points, in-process, seeded (the seed reproduces the run).
/// It starts from the committed seed corpus and the malformed corpus, keeps mutants that show a new behaviour
/// (status, reason, counts: a cheap stand-in for coverage) and checks each target's invariants — including a
/// differential one (the C ABI must accept and reject exactly as the decoder alone does) and, for JSON, an independent
/// one: the verdict of <see cref="JsonContractOracle"/>, which does not use the engine's decoder.
/// </summary>
internal sealed unsafe partial class AbiFuzzer : IDisposable
{
    private const int MaxInput = 16 * 1024;
    private const int CorpusLimit = 400;
    private static readonly TimeSpan SlowCase = TimeSpan.FromMilliseconds(250);
    private static readonly int RecordLimit = new AttributionConfig().MaxRecordBytes;

    private readonly Random _random;
    private readonly FuzzMutator _mutator;
    private readonly nint _engine;
    private readonly Dictionary<FuzzTarget, List<byte[]>> _corpus = [];
    private readonly HashSet<string> _features = new(StringComparer.Ordinal);
    private long _position;

    public AbiFuzzer(int seed)
    {
        _random = new Random(seed);
        _mutator = new FuzzMutator(_random);
        _engine = NativeAbi.OpenOrFail("{\"shards\":1}");
        foreach (FuzzTarget target in Enum.GetValues<FuzzTarget>())
        {
            _corpus[target] = Seeds(target).Select(s => s.Bytes).ToList();
        }
        // The oracle runs inside a case's time bound: compile its paths first so the first cases are not judged slow.
        foreach (byte[] sample in _corpus[FuzzTarget.Json])
        {
            JsonContractOracle.Verdict(sample, RecordLimit);
        }
    }

    /// <summary>Cases run, by target.</summary>
    public SortedDictionary<FuzzTarget, long> Cases { get; } = [];

    /// <summary>Distinct behaviours seen.</summary>
    public int Features => _features.Count;

    /// <summary>Inputs kept because they showed a new behaviour.</summary>
    public int Kept { get; private set; }

    /// <summary>Cases that threw (an exception out of an entry point) plus events a shard failed to apply.</summary>
    public long Crashes { get; private set; }

    /// <summary>Cases that took longer than the bound for one call.</summary>
    public long Hangs { get; private set; }

    /// <summary>After <see cref="Finish"/>: records the ABI accepted but the shards never applied, and attributions counted but never polled.</summary>
    public long Lost { get; private set; }

    /// <summary>After <see cref="Finish"/>: records applied beyond those accepted, and attributions polled beyond those counted.</summary>
    public long Duplicated { get; private set; }

    private ulong _acceptedRecords;
    private ulong _polledOutputs;

    /// <summary>The committed seeds of a target (and, for the record targets, the malformed corpus).</summary>
    public static IEnumerable<(string Name, byte[] Bytes)> Seeds(FuzzTarget target)
    {
        string dir = Path.Combine(MalformedCorpus.Directory, "fuzz", target.ToString().ToLowerInvariant());
        foreach (string file in Directory.Exists(dir) ? Directory.GetFiles(dir).Order(StringComparer.Ordinal).ToArray() : [])
        {
            yield return (Path.GetRelativePath(MalformedCorpus.Directory, file), File.ReadAllBytes(file));
        }
        if (target is FuzzTarget.Json or FuzzTarget.MessagePack or FuzzTarget.Submit)
        {
            foreach (var record in MalformedCorpus.Committed().Where(r => target == FuzzTarget.Submit || r.IsMessagePack == (target == FuzzTarget.MessagePack)))
            {
                yield return ("malformed/" + record.Name, record.Bytes);
            }
        }
    }

    /// <summary>Fuzzes for <paramref name="budget"/>; returns the first finding, or null.</summary>
    public FuzzFinding? Run(TimeSpan budget)
    {
        var clock = Stopwatch.StartNew();
        var targets = Enum.GetValues<FuzzTarget>();
        while (clock.Elapsed < budget)
        {
            // attr_open starts threads: it gets one case in twenty.
            FuzzTarget target = _random.Next(20) == 0 ? FuzzTarget.Config : targets[_random.Next(targets.Length)];
            if (target == FuzzTarget.Config && _random.Next(20) != 0)
            {
                continue;
            }
            var pool = _corpus[target];
            byte[] input = _mutator.Mutate(pool[_random.Next(pool.Count)], pool[_random.Next(pool.Count)], MaxInput);
            Cases[target] = Cases.GetValueOrDefault(target) + 1;
            var (failure, feature) = Check(target, input);
            if (failure is not null)
            {
                // The tallies of what the run left behind are still taken; the first finding is what the caller sees.
                Finish();
                return new FuzzFinding(target, input, failure);
            }
            if (feature is not null && _features.Add(target + ":" + feature) && pool.Count < CorpusLimit)
            {
                pool.Add(input);
                Kept++;
            }
        }
        return Finish();
    }

    /// <summary>Runs one input through its target and checks the invariants: (failure or null, behaviour seen).</summary>
    public (string? Failure, string? Feature) Check(FuzzTarget target, byte[] input)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            (string? Failure, string? Feature) result = target switch
            {
                FuzzTarget.Json => Decode(input, messagePack: false),
                FuzzTarget.MessagePack => Decode(input, messagePack: true),
                FuzzTarget.Submit => Submit(input),
                FuzzTarget.Ndjson => Ndjson(input),
                FuzzTarget.Frames => Frames(input),
                FuzzTarget.Config => Config(input),
                _ => LastClick(input),
            };
            if (result.Failure is null && clock.Elapsed > SlowCase && target != FuzzTarget.Config)
            {
                Hangs++;
                return ($"took {clock.Elapsed.TotalMilliseconds:F0} ms (more than {SlowCase.TotalMilliseconds} ms)", null);
            }
            return result;
        }
        catch (Exception e) when (e is not AssertionException)
        {
            Crashes++;
            return ($"threw {e.GetType().Name}: {e.Message}", null);
        }
    }

    /// <summary>
    /// After a run: everything accepted is applied exactly once without a shard fault, and every attribution counted
    /// was polled exactly once (the tallies go to <see cref="Lost"/>, <see cref="Duplicated"/> and <see cref="Crashes"/>).
    /// </summary>
    public FuzzFinding? Finish()
    {
        int flushed = NativeAbi.Flush(_engine, 0);
        Drain();
        var counters = NativeAbi.ReadCounters(_engine);
        Crashes += (long)counters.Faults;
        Lost = Over(_acceptedRecords, counters.Events + counters.Faults) + Over(counters.Attributed, _polledOutputs);
        Duplicated = Over(counters.Events + counters.Faults, _acceptedRecords) + Over(_polledOutputs, counters.Attributed);
        if (flushed != 0 || counters.Faults != 0 || Lost != 0 || Duplicated != 0)
        {
            return new FuzzFinding(FuzzTarget.Submit, [], $"after the run: attr_flush {flushed}, shard faults {counters.Faults}, records accepted {_acceptedRecords} and applied {counters.Events}, attributions counted {counters.Attributed} and polled {_polledOutputs} ({NativeAbi.LastErrorText()})");
        }
        return null;
    }

    private static long Over(ulong a, ulong b) => a > b ? (long)(a - b) : 0;

    // Records the event-time guard has rejected so far. The guard judges a valid record by the stream before it (mutated
    // timestamps lie anywhere in int64), so a decoder-valid record may come back clock_skew; the guard itself is checked
    // against its own reference model (EventTimeGuardTests, EventTimeGuardEngineTests), the decoders and the ABI here.
    private ulong ClockSkewed()
    {
        var counters = NativeAbi.ReadCounters(_engine);
        return counters.Rejections[(int)RejectReason.ClockSkew];
    }

    /// <summary>Polls every pending attribution, counting them.</summary>
    private void Drain() => _polledOutputs += (ulong)NativeAbi.Drain(_engine).Count;

    public void Dispose() => NativeAbi.Close(_engine);

    private static RejectReason Expected(byte[] input, bool messagePack)
    {
        EventRecord record = default;
        return messagePack ? MessagePackEventReader.Read((ReadOnlySpan<byte>)input, ref record, RecordLimit) : JsonEventReader.Read(input, ref record, RecordLimit);
    }

    /// <summary>Null when <paramref name="reason"/> is a verdict the contract allows for the JSON record, else what it allows.</summary>
    private static string? ContractDisagrees(byte[] input, RejectReason reason)
    {
        var allowed = JsonContractOracle.Verdict(input, RecordLimit);
        return allowed.Contains(reason) ? null : $"the contract says {string.Join(" or ", allowed)}";
    }

    private static (string?, string?) Decode(byte[] input, bool messagePack)
    {
        EventRecord first = default, second = default;
        var reason = messagePack ? MessagePackEventReader.Read((ReadOnlySpan<byte>)input, ref first, RecordLimit) : JsonEventReader.Read(input, ref first, RecordLimit);
        var again = messagePack ? MessagePackEventReader.Read((ReadOnlySpan<byte>)input, ref second, RecordLimit) : JsonEventReader.Read(input, ref second, RecordLimit);
        if (reason != again)
        {
            return ($"decoding twice gave {reason} and {again}", null);
        }
        if ((first.Kind != EventKind.None) != (reason == RejectReason.None))
        {
            return ($"reason {reason} with kind {first.Kind}", null);
        }
        if (!messagePack && ContractDisagrees(input, reason) is { } disagreement)
        {
            return ($"the decoder says {reason}; {disagreement}", null);
        }
        return (null, $"{reason}:{first.Kind}");
    }

    private (string?, string?) Submit(byte[] input)
    {
        // Deterministic per input, so a finding replays: MessagePack when the first byte is 0x80 or above (every map code is).
        bool messagePack = input.Length > 0 && input[0] >= 0x80;
        int status = NativeAbi.SubmitRecord(_engine, input, messagePack, ++_position, out int reason);
        if (status == (int)AttrStatus.Backpressure)
        {
            Drain();
            status = NativeAbi.SubmitRecord(_engine, input, messagePack, _position, out reason);
        }
        _acceptedRecords += status == (int)AttrStatus.Ok ? 1UL : 0;
        var expected = Expected(input, messagePack);
        if (expected == RejectReason.None && status == (int)AttrStatus.Rejected && reason == (int)RejectReason.ClockSkew)
        {
            expected = RejectReason.ClockSkew; // a valid record the guard judged by the stream before it (see ClockSkewed)
        }
        int wantStatus = expected == RejectReason.None ? (int)AttrStatus.Ok : (int)AttrStatus.Rejected;
        if (status != wantStatus || reason != (int)expected)
        {
            return ($"attr_submit returned {status} reason {reason}, the decoder says {expected} ({NativeAbi.LastErrorText()})", null);
        }
        // The decoder above is the code under test; the contract's own verdict is worked out independently.
        if (!messagePack && ContractDisagrees(input, reason == (int)RejectReason.ClockSkew ? RejectReason.None : (RejectReason)reason) is { } disagreement)
        {
            return ($"attr_submit returned {status} reason {(RejectReason)reason}; {disagreement}", null);
        }
        return (null, $"{messagePack}:{status}:{reason}");
    }

    private (string?, string?) Ndjson(byte[] input)
    {
        // The lines as attribution.h defines them, counted independently of the library.
        var lines = new List<byte[]>();
        for (int at = 0; at < input.Length;)
        {
            int nl = Array.IndexOf(input, (byte)'\n', at);
            int end = nl < 0 ? input.Length : nl;
            int length = end - at;
            if (length > 0 && input[end - 1] == (byte)'\r')
            {
                length--;
            }
            lines.Add(input.AsSpan(at, length).ToArray());
            at = nl < 0 ? input.Length : nl + 1;
        }
        ulong blank = (ulong)lines.Count(l => l.Length == 0);
        ulong accepted = (ulong)lines.Count(l => l.Length > 0 && Expected(l, messagePack: false) == RejectReason.None);
        ulong rejected = (ulong)lines.Count - blank - accepted;
        // Independently of the decoder: the lines the contract accepts for sure, and those it may accept.
        var verdicts = lines.Where(l => l.Length > 0).Select(l => JsonContractOracle.Verdict(l, RecordLimit)).ToList();
        ulong surely = (ulong)verdicts.Count(v => v.Count == 1 && v.Contains(RejectReason.None));
        ulong possibly = (ulong)verdicts.Count(v => v.Contains(RejectReason.None));

        ulong skewedBefore = ClockSkewed();
        BatchResult total = default;
        int offset = 0;
        int status;
        while (true)
        {
            BatchResult result;
            fixed (byte* p = input)
            {
                status = NativeAbi.SubmitBatch(_engine, p + offset, (nuint)(input.Length - offset), _position, &result);
            }
            total.Accepted += result.Accepted;
            total.Rejected += result.Rejected;
            total.Blank += result.Blank;
            if (status != (int)AttrStatus.Backpressure)
            {
                break;
            }
            offset += (int)result.Consumed;
            Drain();
        }
        _acceptedRecords += total.Accepted;
        _position += lines.Count;
        ulong skewed = ClockSkewed() - skewedBefore;
        accepted -= Math.Min(skewed, accepted);
        rejected += skewed;
        surely -= Math.Min(skewed, surely);
        if (status != 0 || (total.Accepted, total.Rejected, total.Blank) != (accepted, rejected, blank))
        {
            return ($"attr_submit_batch returned {status} with accepted {total.Accepted}, rejected {total.Rejected}, blank {total.Blank}; expected accepted {accepted}, rejected {rejected}, blank {blank} ({NativeAbi.LastErrorText()})", null);
        }
        if (total.Accepted < surely || total.Accepted > possibly)
        {
            return ($"attr_submit_batch accepted {total.Accepted} lines; the contract accepts {surely} (up to {possibly} where it leaves a choice)", null);
        }
        return (null, $"{status}:{Math.Min(accepted, 3UL)}:{Math.Min(rejected, 3UL)}:{Math.Min(blank, 2UL)}");
    }

    private (string?, string?) Frames(byte[] input)
    {
        int complete = 0, at = 0;
        ulong accepted = 0;
        while (input.Length - at >= 4)
        {
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(input.AsSpan(at));
            if (size > (uint)(input.Length - at - 4))
            {
                break;
            }
            accepted += Expected(input.AsSpan(at + 4, (int)size).ToArray(), messagePack: true) == RejectReason.None ? 1UL : 0;
            complete++;
            at += 4 + (int)size;
        }
        bool truncated = at < input.Length;
        BatchResult result;
        int status;
        Drain(); // a batch here is small: no back-pressure after a drain
        ulong skewedBefore = ClockSkewed();
        fixed (byte* p = input)
        {
            status = NativeAbi.SubmitBatchMessagePack(_engine, p, (nuint)input.Length, _position, &result);
        }
        accepted -= Math.Min(ClockSkewed() - skewedBefore, accepted);
        _position += complete;
        _acceptedRecords += result.Accepted;
        int wantStatus = truncated ? (int)AttrStatus.InvalidArgument : (int)AttrStatus.Ok;
        if (status != wantStatus || result.Accepted != accepted || result.Accepted + result.Rejected != (ulong)complete || result.Consumed != (ulong)at)
        {
            return ($"attr_submit_batch_msgpack returned {status}, accepted {result.Accepted}, rejected {result.Rejected}, consumed {result.Consumed}; expected {wantStatus}, {complete} frames of which {accepted} valid, consumed {at}", null);
        }
        return (null, $"{status}:{Math.Min(accepted, 3UL)}:{Math.Min((ulong)complete - accepted, 3UL)}");
    }

    private static (string?, string?) Config(byte[] input)
    {
        // Never let a mutant choose a state directory (it could write anywhere) or a huge size (memory, threads):
        // without a backslash no escape can spell a key, and every size that matters has five digits or more.
        string text = Encoding.Latin1.GetString(input);
        if (text.Contains('\\', StringComparison.Ordinal) || text.Contains("state_dir", StringComparison.Ordinal) || LongNumber().IsMatch(text))
        {
            return (null, null);
        }
        nint engine;
        int status;
        fixed (byte* p = input)
        {
            status = NativeAbi.Open(p, (nuint)input.Length, &engine);
        }
        string message = NativeAbi.LastErrorText();
        if (status == 0)
        {
            int closed = NativeAbi.Close(engine);
            return closed == 0 ? (null, "open") : ($"attr_close of a fuzzed configuration returned {closed}", null);
        }
        if (status != (int)AttrStatus.InvalidConfig || message.Length == 0)
        {
            return ($"attr_open returned {status} ({message}); only ATTR_OK or ATTR_INVALID_CONFIG with a message are right", null);
        }
        return (null, "invalid:" + string.Join(' ', message.Split(' ').Take(4)));
    }

    private (string?, string?) LastClick(byte[] input)
    {
        int nul = Array.IndexOf(input, (byte)0);
        byte[] user = nul < 0 ? input : input[..nul];
        byte[] campaign = nul < 0 ? [] : input[(nul + 1)..];
        var buf = new byte[4096];
        nuint written;
        int status;
        fixed (byte* u = user, c = campaign, b = buf)
        {
            status = NativeAbi.LastClick(_engine, u, (nuint)user.Length, c, (nuint)campaign.Length, b, (nuint)buf.Length, &written);
        }
        if (status == 0)
        {
            using var doc = JsonDocument.Parse(buf.AsMemory(0, (int)written));
            return (null, "found");
        }
        if (status is not ((int)AttrStatus.NotFound or (int)AttrStatus.InvalidArgument))
        {
            return ($"attr_last_click returned {status} ({NativeAbi.LastErrorText()})", null);
        }
        return (null, status.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [GeneratedRegex("[0-9]{5}")]
    private static partial Regex LongNumber();
}
