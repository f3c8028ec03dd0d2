using System.Globalization;

namespace Attribution.Host.Demo;

/// <summary>
/// The demo's pace and latency figures, split at a stated warm-up (the first transaction and the JIT make the first
/// second or so slower; both parts are shown), and the verdict: did processing keep up with the generator's pace.
/// Rates count input records whose processing is committed; times are seconds since the first record was due.
/// </summary>
public sealed record PaceReport
{
    /// <summary>The least share of the pace that counts as keeping up.</summary>
    public const double KeepUpShare = 0.97;

    /// <summary>The end-to-end latency p99 the demo should stay within after its warm-up, in ms.</summary>
    public const long P99TargetMs = 100;

    /// <summary>How far behind its schedule the generator may fall before the verdict says so (the machine was busy), in seconds.</summary>
    public const double GeneratorBehindNoteSeconds = 0.1;

    /// <summary>The least generation time after the warm-up that a verdict is drawn from, in seconds.</summary>
    public const double MinSteadySeconds = 2;

    /// <summary>The generator's pace in events/s; 0 = unpaced.</summary>
    public required int Rate { get; init; }

    /// <summary>Events generated.</summary>
    public required long Events { get; init; }

    /// <summary>Length of the warm-up, in seconds.</summary>
    public required double WarmUpSeconds { get; init; }

    /// <summary>When the generator handed over its last record (seconds since the first record was due).</summary>
    public required double GeneratorSeconds { get; init; }

    /// <summary>The most the generator was behind its schedule, in seconds.</summary>
    public required double MaxBehindSeconds { get; init; }

    /// <summary>When the generator was furthest behind its schedule, in seconds; NaN if it never was.</summary>
    public double MaxBehindAtSeconds { get; init; } = double.NaN;

    /// <summary>From the first record's due time until the last record's processing was committed.</summary>
    public required double ElapsedSeconds { get; init; }

    /// <summary>When the first transaction committed.</summary>
    public required double FirstCommitSeconds { get; init; }

    /// <summary>Records committed per second during the warm-up.</summary>
    public required double WarmUpRate { get; init; }

    /// <summary>
    /// The events due after the warm-up over the time from the warm-up's end until the last of them was committed:
    /// at most the pace (they cannot be committed before they are due), and a backlog left by the warm-up cannot
    /// lift it, while a drain at the end lowers it.
    /// </summary>
    public double SteadyRate => ElapsedSeconds > WarmUpSeconds ? (Events - DueBy(WarmUpSeconds)) / (ElapsedSeconds - WarmUpSeconds) : double.NaN;

    /// <summary>The longest pause in committing from the warm-up's end to the last commit (start and length, seconds): a stalled transaction or shard.</summary>
    public (double Start, double Seconds) LongestPause { get; init; } = (double.NaN, 0);

    /// <summary>Latency of the attributions of records due during the warm-up.</summary>
    public required LatencyFigures WarmUpLatency { get; init; }

    /// <summary>Latency of the attributions of records due after the warm-up.</summary>
    public required LatencyFigures SteadyLatency { get; init; }

    /// <summary>Latency of every attribution.</summary>
    public required LatencyFigures AllLatency { get; init; }

    /// <summary>The generator's own rate: events over the time it took to hand them all over.</summary>
    public double GeneratorRate => GeneratorSeconds > 0 ? Events / GeneratorSeconds : double.NaN;

    /// <summary>Events over <see cref="ElapsedSeconds"/>: start-up, warm-up and the final drain included.</summary>
    public double WholeRunRate => ElapsedSeconds > 0 ? Events / ElapsedSeconds : double.NaN;

    /// <summary>Events due within the first <paramref name="seconds"/> of the schedule.</summary>
    public long DueBy(double seconds) => Rate <= 0 ? Events : Math.Min(Events, (long)Math.Ceiling(seconds * Rate));

    /// <summary>Generation time after the warm-up, in seconds.</summary>
    public double SteadySeconds => (double)Events / Math.Max(Rate, 1) - WarmUpSeconds;

    /// <summary>Whether processing kept up with the pace after the warm-up, or why that was not judged.</summary>
    public PaceVerdict Verdict =>
        Rate <= 0 ? PaceVerdict.Unpaced
        : !(SteadySeconds >= MinSteadySeconds) ? PaceVerdict.TooShort
        : !(GeneratorRate >= KeepUpShare * Rate) ? PaceVerdict.GeneratorBehind
        : SteadyRate >= KeepUpShare * Rate ? PaceVerdict.KeptUp
        : PaceVerdict.FellBehind;

    /// <summary>Whether the latency p99 after the warm-up is within <see cref="P99TargetMs"/>; null when there is none to judge.</summary>
    public bool? LatencyMet => Rate <= 0 || SteadyLatency.Count == 0 ? null : SteadyLatency.P99 <= P99TargetMs;

    /// <summary>The verdict in plain sentences: pace, then latency, then (when it fell behind its schedule) the generator's own lateness.</summary>
    public IReadOnlyList<string> VerdictLines()
    {
        var ci = CultureInfo.InvariantCulture;
        string warmUp = string.Create(ci, $"the {WarmUpSeconds:0.#} s warm-up");
        string share = string.Create(ci,
            $"the {Events - DueBy(WarmUpSeconds):N0} events due after {warmUp} were committed by {ElapsedSeconds:F2} s: {SteadyRate:N0} events/s, {100 * SteadyRate / Rate:F1} % of the {Rate:N0} events/s pace (≥ {100 * KeepUpShare:0} % needed)");
        string pace = Verdict switch
        {
            PaceVerdict.KeptUp => "kept up with the generator: yes — " + share,
            PaceVerdict.FellBehind => "kept up with the generator: NO — " + share,
            PaceVerdict.TooShort => string.Create(ci,
                $"kept up with the generator: not judged — {Math.Max(0, SteadySeconds):F2} s of generation after {warmUp}, {MinSteadySeconds:0} s needed (--events {(long)Math.Ceiling((WarmUpSeconds + MinSteadySeconds) * Rate):N0} or more at this pace)"),
            PaceVerdict.GeneratorBehind => string.Create(ci,
                $"kept up with the generator: not judged — the generator itself reached only {GeneratorRate:N0} events/s, {100 * GeneratorRate / Rate:F1} % of the {Rate:N0} events/s pace (this machine is too busy to drive it)"),
            _ => string.Create(ci, $"unpaced run: no pace to keep up with; {WholeRunRate:N0} events/s over the whole run"),
        };
        var s = SteadyLatency;
        string latency = LatencyMet switch
        {
            null when Rate <= 0 => string.Create(ci, $"end-to-end latency p50 / p99 / p99.9: {AllLatency.P50} / {AllLatency.P99} / {AllLatency.P999} ms"),
            null => $"end-to-end latency after {warmUp}: no attribution to measure",
            bool met => string.Create(ci,
                $"end-to-end latency after {warmUp} p50 / p99 / p99.9: {s.P50} / {s.P99} / {s.P999} ms — p99 ≤ {P99TargetMs} ms: {(met ? "met" : "MISSED")}"),
        };
        if (Rate <= 0 || !(MaxBehindSeconds > GeneratorBehindNoteSeconds))
        {
            return [pace, latency];
        }
        string note = string.Create(ci,
            $"note: the generator itself fell {MaxBehindSeconds * 1000:N0} ms behind its schedule at {MaxBehindAtSeconds:F2} s (the machine was busy then); that delay counts in the latency");
        return [pace, latency, note];
    }
}
