using System.Globalization;
using System.Text;
using System.Text.Json;
using Attribution.Engine.Attribution;
using Attribution.Tests.Engine.Attribution;
using Attribution.Tests.Host.Replay;
using Attribution.Tests.Engine.Pipeline;

namespace Attribution.Tests.Reliability;

/// <summary>
/// A generated input file for <c>attribution replay --state-dir</c>, its reference output, and the count of what a
/// run's output file lost or doubled against it.
/// </summary>
internal sealed class ReplayScenario
{
    private readonly AttributionConfig _config;
    private readonly RunResult _expected;

    public ReplayScenario(int seed, int count, string directory, string? outputDirectory = null)
        : this(StreamGenerator.Generate(seed, count), directory, outputDirectory)
    {
    }

    /// <summary>A scenario of the given stream (its partitions are replaced by replay's hash(user_id)).</summary>
    public ReplayScenario((AttributionConfig Config, List<SimEvent> Items) stream, string directory, string? outputDirectory = null)
    {
        (_config, var items) = stream;
        // replay partitions by hash(user_id): the reference gets the same partitions.
        items = items.Where(i => i.Kind != SimKind.Expire)
            .Select(i => i.Kind == SimKind.Malformed ? i : i with { Partition = ReferencePartitioner.Partition(i.UserId, _config.Partitions) })
            .ToList();
        _expected = AttributionRun.Reference(_config, items, guarded: true);
        Input = Path.Combine(directory, "in.jsonl");
        File.WriteAllLines(Input, items.Select(i => i.Kind == SimKind.Malformed ? i.RawLine! : Encoding.UTF8.GetString(CodecSimEventDecoders.Render(i))));
        Output = Path.Combine(outputDirectory ?? directory, "out.jsonl");
    }

    /// <summary>Puts a line that is not JSON (<paramref name="bytes"/> long) after every <paramref name="every"/> lines: dead letters, no change to the output.</summary>
    public void AddBadLines(int every, int bytes)
    {
        string bad = "not json " + new string('x', Math.Max(0, bytes - 9));
        var lines = File.ReadAllLines(Input).SelectMany((l, i) => (i + 1) % every == 0 ? new[] { l, bad } : new[] { l }).ToList();
        File.WriteAllLines(Input, lines);
    }

    public string Input { get; }

    public string Output { get; }

    public int ExpectedCount => _expected.Outputs.Count;

    /// <summary>The replay command line with snapshots into <paramref name="stateDir"/>, writing <paramref name="output"/> (default <see cref="Output"/>).</summary>
    public string[] Args(string stateDir, int snapshotEvery, string? output = null) =>
    [
        "replay", "--input", Input, "--output", output ?? Output, "--state-dir", stateDir, "--snapshot-every", snapshotEvery.ToString(CultureInfo.InvariantCulture),
        "--quiet", "--shards", "2",
        "--window-hours", (_config.WindowMs / 3_600_000d).ToString("R", CultureInfo.InvariantCulture),
        "--allowed-lateness", _config.AllowedLatenessMs + "ms",
        "--conversion-retention", _config.EffectiveConversionRetentionMs + "ms",
        "--partitions", _config.Partitions.ToString(CultureInfo.InvariantCulture),
        "--click-history", _config.ClickHistory.ToString(CultureInfo.InvariantCulture),
    ];

    /// <summary>Attributions of the reference missing from the output file, and output lines beyond the reference's.</summary>
    public (int Lost, int Duplicated, string? FirstDifference) Compare() => Compare(Output);

    /// <summary>The same for the output file <paramref name="output"/>.</summary>
    public (int Lost, int Duplicated, string? FirstDifference) Compare(string output)
    {
        var actual = Read(output);
        var want = _expected.Outputs.GroupBy(o => o).ToDictionary(g => g.Key, g => g.Count());
        var got = actual.GroupBy(o => o).ToDictionary(g => g.Key, g => g.Count());
        int lost = want.Sum(kv => Math.Max(0, kv.Value - got.GetValueOrDefault(kv.Key)));
        int duplicated = got.Sum(kv => Math.Max(0, kv.Value - want.GetValueOrDefault(kv.Key)));
        return (lost, duplicated, ReplayCrashTests.PerPartitionDifference(_expected.Outputs, actual));
    }

    /// <summary>The attributions of an output file (none when it does not exist).</summary>
    public List<AttributedOutput> Read(string output)
        => File.Exists(output) ? File.ReadAllLines(output).Select(l => CollectingOutput.Parse(PartitionOf(l), l)).ToList() : [];

    private int PartitionOf(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return ReferencePartitioner.Partition(doc.RootElement.GetProperty("user_id").GetString()!, _config.Partitions);
    }
}
