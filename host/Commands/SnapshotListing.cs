using System.Text.Json;
using Attribution.Engine.Snapshots;
using Attribution.Host.Cli;

namespace Attribution.Host.Commands;

/// <summary><c>attribution snapshot list</c>: one line per snapshot, newest first, each verified now.</summary>
internal static class SnapshotListing
{
    /// <summary>Writes the listing of <paramref name="stateDirectory"/>; returns the exit code.</summary>
    public static int Write(string stateDirectory, bool json, CliContext context)
    {
        IReadOnlyList<long> sequences = SnapshotCatalog.Sequences(stateDirectory);
        if (sequences.Count == 0)
        {
            context.Error.WriteLine($"attribution snapshot list: The state directory '{stateDirectory}' holds no snapshots.");
            return 0;
        }
        if (!json)
        {
            context.Output.WriteLine($"{"SEQUENCE",8}  {"TAKEN (UTC)",-24}  {"POSITIONS",-40}  {"SIZE",10}  VERIFIES");
        }
        foreach (long sequence in sequences)
        {
            SnapshotCheck check = SnapshotCatalog.Check(stateDirectory, sequence);
            context.Output.WriteLine(json ? Json(check) : Text(check));
        }
        return 0;
    }

    private static string Text(SnapshotCheck c)
    {
        string taken = c.Manifest is { } m ? SnapshotCommand.Time(m.CreatedAt) : "?";
        string positions = c.Manifest is { } mm ? SnapshotCommand.Positions(mm) : "?";
        string verifies = c.Verified ? "yes" : $"no: {c.Problem}";
        return $"{c.Sequence,8}  {taken,-24}  {positions,-40}  {SnapshotCommand.Size(c.Bytes),10}  {verifies}";
    }

    /// <summary>One JSON object: the fields of the text line, positions per partition in full.</summary>
    internal static string Json(SnapshotCheck c)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            WriteSummary(w, c);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The fields <c>list</c> and <c>inspect</c> share.</summary>
    internal static void WriteSummary(Utf8JsonWriter w, SnapshotCheck c)
    {
        w.WriteNumber("sequence", c.Sequence);
        w.WriteString("manifest", c.ManifestPath);
        if (c.Manifest is { } m)
        {
            w.WriteString("taken", SnapshotCommand.Time(m.CreatedAt));
            if (m.Extras.TryGetValue(Replay.ReplayCommand.LinesKey, out string? lines))
            {
                w.WriteString("replay_lines", lines);
            }
            w.WriteStartArray("positions");
            foreach (PartitionCut cut in m.Partitions.OrderBy(p => p.Partition))
            {
                w.WriteStartObject();
                w.WriteNumber("partition", cut.Partition);
                w.WriteNumber("position", cut.Position);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteNumber("bytes", c.Bytes);
        w.WriteBoolean("verified", c.Verified);
        if (c.Problem is { } problem)
        {
            w.WriteString("problem", problem);
        }
    }
}
