using System.Globalization;
using System.Text.Json;
using Attribution.Engine.Snapshots;
using Attribution.Host.Cli;
using Attribution.Host.Replay;

namespace Attribution.Host.Commands;

/// <summary>
/// <c>attribution snapshot inspect</c>: one snapshot in full, every file verified now, and what a start on the
/// directory would do with it. A snapshot that is missing or does not verify ends with one sentence and exit 1.
/// </summary>
internal static class SnapshotInspection
{
    /// <summary>Writes the report of snapshot <paramref name="which"/> (a sequence number or "latest"); returns the exit code.</summary>
    public static int Write(string stateDirectory, string which, bool json, CliContext context)
    {
        IReadOnlyList<long> sequences = SnapshotCatalog.Sequences(stateDirectory);
        long sequence;
        if (string.Equals(which, "latest", StringComparison.OrdinalIgnoreCase))
        {
            if (sequences.Count == 0)
            {
                throw new SnapshotCommandException($"The state directory '{stateDirectory}' holds no snapshots.");
            }
            sequence = sequences[0];
        }
        else if (!long.TryParse(which, NumberStyles.None, CultureInfo.InvariantCulture, out sequence) || sequence <= 0)
        {
            throw new UsageException($"'{which}' is not a snapshot sequence; give a number from 'attribution snapshot list' or 'latest'.");
        }
        else if (!sequences.Contains(sequence))
        {
            string have = sequences.Count == 0 ? "it holds none" : $"it holds {string.Join(", ", sequences.Take(10))}";
            throw new SnapshotCommandException($"The state directory '{stateDirectory}' has no snapshot {sequence} ({have}).");
        }

        SnapshotCheck check = SnapshotCatalog.Check(stateDirectory, sequence);
        string recovery = Recovery(stateDirectory, check, sequences);
        if (json)
        {
            context.Output.WriteLine(Json(check, recovery));
        }
        else
        {
            WriteText(context.Output, check, recovery);
        }
        if (!check.Verified)
        {
            context.Error.WriteLine($"attribution snapshot inspect: Snapshot {sequence} does not verify: {check.Problem}.");
            return 1;
        }
        return 0;
    }

    // What Open does (engine/Pipeline/AttributionEngine.Recovery.cs): manifests newest first, the first that verifies wins.
    private static string Recovery(string stateDirectory, SnapshotCheck check, IReadOnlyList<long> sequences)
    {
        if (!check.Verified)
        {
            return "A start skips this snapshot (it does not verify; the reason is logged) and tries the next older one.";
        }
        foreach (long newer in sequences.Where(s => s > check.Sequence))
        {
            if (SnapshotCatalog.Check(stateDirectory, newer).Verified)
            {
                return $"A start recovers snapshot {newer} instead (newer, verifies); this one is used only if every newer one fails.";
            }
        }
        SnapshotManifest m = check.Manifest!;
        string settings = "A start with other window, lateness, conversion retention, partitions, click history or shards is refused.";
        if (m.Extras.TryGetValue(ReplayCommand.LinesKey, out string? lines))
        {
            string dead = m.Extras.TryGetValue(ReplayCommand.DeadLetterBytesKey, out string? d) ? $" and the dead-letter file to {d} bytes" : "";
            return $"A start recovers this snapshot: 'replay' checks that the input's first {lines} lines are the ones it was taken on, " +
                $"cuts the output back to {m.Extras.GetValueOrDefault(ReplayCommand.OutputBytesKey, "?")} bytes{dead}, and continues after line {lines}. {settings}";
        }
        string partitions = m.Partitions.Count == 0 ? "no partition had input yet"
            : string.Join(", ", m.Partitions.OrderBy(p => p.Partition).Select(p => $"p{p.Partition} at offset {p.Position + 1}"));
        return $"A start recovers this snapshot: 'run' resumes each partition it is assigned right after the snapshot's position ({partitions}) " +
            $"when the group's committed offset is at or past it, replaying silently up to the committed offset; a partition without that rebuilds from Kafka. {settings}";
    }

    private static void WriteText(TextWriter o, SnapshotCheck c, string recovery)
    {
        o.WriteLine($"snapshot {c.Sequence}");
        o.WriteLine($"  manifest   {c.ManifestPath} ({SnapshotCommand.Size(c.ManifestBytes)})");
        o.WriteLine($"  verifies   {(c.Verified ? "yes (every file's length and checksum checked now)" : $"no: {c.Problem}")}");
        if (c.Manifest is not { } m)
        {
            o.WriteLine($"recovery\n  {recovery}");
            return;
        }
        o.WriteLine($"  taken      {SnapshotCommand.Time(m.CreatedAt)}");
        o.WriteLine($"  size       {SnapshotCommand.Size(c.Bytes)} in {c.Files.Count} files (log segments shared with other snapshots included)");
        SnapshotConfig s = m.Config;
        o.WriteLine("settings (a start with others is refused)");
        o.WriteLine($"  window {Ms(s.WindowMs)}, allowed lateness {Ms(s.AllowedLatenessMs)}, conversion retention {Ms(s.ConversionRetentionMs)}, " +
            $"partitions {s.Partitions}, click history {s.ClickHistory}, max clock skew {Ms(s.MaxClockSkewMs)}, clock confirmations {s.ClockConfirmations}, shards {s.Shards}");
        o.WriteLine($"  storage: index buckets {m.Storage.IndexBuckets} (clicks) / {m.Storage.ConversionIndexBuckets} (conversions), " +
            $"memory {SnapshotCommand.Size(m.Storage.ClickMemoryBytes)} / {SnapshotCommand.Size(m.Storage.ConversionMemoryBytes)} per shard; manifest format {m.FormatVersion}");
        o.WriteLine($"positions (state includes each partition's input up to and including its position; last submitted {m.LastSubmittedPosition})");
        o.WriteLine($"  {"PARTITION",9}  {"POSITION",12}  {"WATERMARK (UTC)",-24}  PENDING");
        foreach (PartitionCut cut in m.Partitions.OrderBy(p => p.Partition))
        {
            string mark = cut.Watermark == long.MinValue ? "none" : SnapshotCommand.Time(DateTimeOffset.FromUnixTimeMilliseconds(cut.Watermark));
            o.WriteLine($"  {cut.Partition,9}  {cut.Position,12}  {mark,-24}  {cut.PendingEventTimes.Length}");
        }
        if (m.Extras.Count > 0)
        {
            o.WriteLine("extras");
            foreach (var (key, value) in m.Extras.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                o.WriteLine($"  {key} = {value}");
            }
        }
        o.WriteLine("parts");
        foreach (var part in Parts(c))
        {
            o.WriteLine($"  {part.Name,-28}  {part.Files,3} files  {SnapshotCommand.Size(part.Bytes),10}  {(part.Failed == 0 ? "ok" : $"{part.Failed} FAILED")}");
        }
        o.WriteLine("files");
        foreach (SnapshotFileCheck f in c.Files)
        {
            o.WriteLine($"  {(f.Verified ? "ok" : "FAILED"),-6}  {f.Length,12}  {f.Path}{(f.Prefix ? " (prefix)" : "")}{(f.Verified ? "" : $": {f.Problem}")}");
        }
        o.WriteLine($"recovery\n  {recovery}");
    }

    private static string Ms(long ms) => ms % 3_600_000 == 0 && ms > 0 ? $"{ms / 3_600_000}h" : ms % 1000 == 0 && ms > 0 ? $"{ms / 1000}s" : $"{ms}ms";

    // A part is a table of a shard (shard-0/clicks): its log segments and checkpoint files.
    private static IEnumerable<(string Name, int Files, long Bytes, int Failed)> Parts(SnapshotCheck c)
        => c.Files.GroupBy(f => string.Join('/', f.Path.Split('/').Take(2)), StringComparer.Ordinal)
            .Select(g => (g.Key, g.Count(), g.Sum(f => f.Length), g.Count(f => !f.Verified)));

    private static string Json(SnapshotCheck c, string recovery)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            SnapshotListing.WriteSummary(w, c);
            if (c.Manifest is { } m)
            {
                SnapshotConfig s = m.Config;
                w.WriteStartObject("settings");
                w.WriteNumber("window_ms", s.WindowMs);
                w.WriteNumber("allowed_lateness_ms", s.AllowedLatenessMs);
                w.WriteNumber("conversion_retention_ms", s.ConversionRetentionMs);
                w.WriteNumber("partitions", s.Partitions);
                w.WriteNumber("click_history", s.ClickHistory);
                w.WriteNumber("max_clock_skew_ms", s.MaxClockSkewMs);
                w.WriteNumber("clock_confirmations", s.ClockConfirmations);
                w.WriteNumber("shards", s.Shards);
                w.WriteEndObject();
                w.WriteStartArray("watermarks");
                foreach (PartitionCut cut in m.Partitions.OrderBy(p => p.Partition))
                {
                    w.WriteStartObject();
                    w.WriteNumber("partition", cut.Partition);
                    w.WriteNumber("watermark_ms", cut.Watermark);
                    w.WriteNumber("pending", cut.PendingEventTimes.Length);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteStartObject("extras");
                foreach (var (key, value) in m.Extras)
                {
                    w.WriteString(key, value);
                }
                w.WriteEndObject();
            }
            w.WriteStartArray("files");
            foreach (SnapshotFileCheck f in c.Files)
            {
                w.WriteStartObject();
                w.WriteString("path", f.Path);
                w.WriteNumber("bytes", f.Length);
                w.WriteBoolean("prefix", f.Prefix);
                w.WriteBoolean("verified", f.Verified);
                if (f.Problem is { } p)
                {
                    w.WriteString("problem", p);
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteString("recovery", recovery);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
