using System.Globalization;
using Attribution.Engine.Attribution;
using Attribution.Engine.Pipeline;
using Attribution.Engine.Snapshots;
using Attribution.Tests.Engine.Attribution;
using Attribution.Tests.Engine.Pipeline;
using Attribution.Tests.Engine.State.Faster;

namespace Attribution.Tests.Engine.Snapshots;

/// <summary>
/// A generated stream with its uninterrupted outputs, and a state directory in which an engine
/// took snapshots at given input indexes (each with extras["next_input"]) and then stopped.
/// </summary>
internal sealed class SnapshotScenario : IDisposable
{
    private readonly TempStateDirectory _reference = new();

    public SnapshotScenario(int seed, int shards, int count = 1_200, int snapshotsToKeep = 3)
    {
        Seed = seed;
        Shards = shards;
        (Config, Items) = StreamGenerator.Generate(seed, count);
        (Expected, ExpectedState) = SnapshotRun.Uninterrupted(Config, Items, shards, _reference.Path);
        Options = SnapshotRun.Options(Config, shards, Directory.Path, Log) with { SnapshotsToKeep = snapshotsToKeep };
    }

    public int Seed { get; }
    public int Shards { get; }
    public AttributionConfig Config { get; }
    public List<SimEvent> Items { get; }
    public Dictionary<int, List<(long Position, AttributedOutput Output)>> Expected { get; }
    public StateDump ExpectedState { get; }
    public TempStateDirectory Directory { get; } = new();
    public List<string> Log { get; } = [];
    public EngineOptions Options { get; set; }
    public List<SnapshotInfo> Taken { get; } = [];

    /// <summary>Runs a fresh engine that snapshots before each index in <paramref name="snapshotAt"/> and stops after <paramref name="stopAt"/>.</summary>
    public CollectingOutput Run(int[] snapshotAt, int stopAt)
    {
        var output = new CollectingOutput();
        using var engine = new AttributionEngine(Options, output);
        int next = 0;
        foreach (int at in snapshotAt)
        {
            SnapshotRun.Submit(engine, Items, next, at);
            Taken.Add(engine.Snapshot(new Dictionary<string, string> { ["next_input"] = at.ToString(CultureInfo.InvariantCulture) }));
            next = at;
        }
        SnapshotRun.Submit(engine, Items, next, stopAt);
        return output;
    }

    /// <summary>
    /// Opens the state directory, asserts it recovered <paramref name="expectedSequence"/> (or
    /// nothing), replays the rest of the input and asserts the outputs after the snapshot equal
    /// the uninterrupted run's and the final state too.
    /// </summary>
    public void ReopenAndReplay(long? expectedSequence)
    {
        var output = new CollectingOutput();
        int resume;
        using (var engine = AttributionEngine.Open(Options, output))
        {
            Assert.That(engine.RecoveredSnapshot?.Sequence, Is.EqualTo(expectedSequence), $"{this}: log: {string.Join(" | ", Log)}");
            resume = engine.RecoveredSnapshot is { } m ? int.Parse(m.Extras["next_input"], CultureInfo.InvariantCulture) : 0;
            if (engine.RecoveredSnapshot is null)
            {
                Assert.That(engine.StateCounts(), Is.EqualTo((0L, 0L)), "an engine that recovered nothing starts empty");
            }
            SnapshotRun.Submit(engine, Items, resume, Items.Count);
            engine.Flush();
            Assert.That(StateDump.Of(engine).Difference(ExpectedState), Is.Null, $"{this}: final state");
        }
        var expectedAfter = Expected.ToDictionary(kv => kv.Key, kv => kv.Value.Where(x => x.Position >= resume).ToList());
        Assert.That(SnapshotRun.Difference(expectedAfter, SnapshotRun.ByPartition(output)), Is.Null, $"{this}: outputs after recovery from input {resume}");
    }

    /// <summary>The files of snapshot <paramref name="info"/> that no other snapshot shares (its checkpoint files).</summary>
    public List<string> OwnFiles(SnapshotInfo info)
        => info.Manifest.Files.Where(f => !f.Prefix).Select(f => Path.Combine(Directory.Path, f.Path)).ToList();

    public override string ToString() => $"stream seed {Seed}, {Shards} shards";

    public void Dispose()
    {
        Directory.Dispose();
        _reference.Dispose();
    }
}
