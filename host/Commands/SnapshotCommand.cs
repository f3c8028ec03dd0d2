using System.CommandLine;
using System.Globalization;
using Attribution.Engine.Snapshots;
using Attribution.Host.Cli;

namespace Attribution.Host.Commands;

/// <summary>
/// <c>attribution snapshot list|inspect|trigger</c>: the snapshots of a state directory (Flink's savepoints).
/// <c>list</c> and <c>inspect</c> read the directory without taking its lock (they work beside a running host) and
/// verify every file's checksum themselves; <c>trigger</c> asks the <c>run</c> host on the directory for a snapshot
/// over its control socket (<c>&lt;state-dir&gt;/control.sock</c>). Exit codes: 0 done, 1 a snapshot is missing,
/// does not verify or could not be taken, 2 bad flags (one sentence: <c>attribution snapshot &lt;command&gt;: …</c>).
/// </summary>
public static class SnapshotCommand
{
    /// <summary>The <c>snapshot</c> command and its three subcommands.</summary>
    internal static Command Definition(CliContext context)
    {
        var snapshot = new Command("snapshot", "List, inspect or trigger the snapshots of a state directory (savepoints). 'list' and 'inspect' verify every file's checksum and change nothing; 'trigger' asks the running 'run' host on the directory to snapshot now.");

        var listDir = StateDirOption();
        var listJson = new Option<bool>("--json") { Description = "one JSON object per snapshot and line (the log's json convention)", Arity = ArgumentArity.Zero };
        var list = new Command("list", "Every snapshot of the state directory, newest first, one line each: sequence, time taken, input positions, size on disk, and whether it verifies. Exit codes: 0 listed, 1 the directory cannot be read, 2 bad flags.")
        {
            listDir, listJson,
        };
        list.SetAction(parse => Guard(context, "list", () => SnapshotListing.Write(Directory(parse.GetValue(listDir)!), parse.GetValue(listJson), context)));

        var inspectDir = StateDirOption();
        var inspectJson = new Option<bool>("--json") { Description = "the report as one JSON object", Arity = ArgumentArity.Zero };
        var which = new Argument<string>("SEQUENCE") { Description = "the snapshot's sequence number (from 'snapshot list') or 'latest'", DefaultValueFactory = _ => "latest" };
        var inspect = new Command("inspect", "One snapshot in full: positions and watermarks per partition, the settings it was taken with, size per part, every file's checksum status (verified now), and what a recovery from it would do. Exit codes: 0 it verifies, 1 it is missing or does not verify, 2 bad flags.")
        {
            inspectDir, inspectJson, which,
        };
        inspect.SetAction(parse => Guard(context, "inspect", () => SnapshotInspection.Write(Directory(parse.GetValue(inspectDir)!), parse.GetValue(which) ?? "latest", parse.GetValue(inspectJson), context)));

        var triggerDir = StateDirOption();
        var timeout = new Option<TimeSpan>("--timeout")
        {
            Description = "how long to wait for the snapshot to be durable (default 2m)",
            HelpName = "DURATION",
            DefaultValueFactory = _ => TimeSpan.FromMinutes(2),
            CustomParser = r =>
            {
                try
                {
                    long ms = Settings.SettingReader.ParseDurationMs("--timeout", r.Tokens[0].Value);
                    if (ms > 0)
                    {
                        return TimeSpan.FromMilliseconds(ms);
                    }
                    r.AddError("--timeout must be longer than 0.");
                }
                catch (UsageException e)
                {
                    r.AddError(e.Message);
                }
                return TimeSpan.Zero;
            },
        };
        var trigger = new Command("trigger", "Ask the 'run' host on the state directory to take a snapshot now (at a transaction boundary, like the periodic ones) over its control socket <state-dir>/control.sock; prints the new snapshot's sequence once it is durable. Exit codes: 0 taken, 1 no host or the snapshot failed, 2 bad flags.")
        {
            triggerDir, timeout,
        };
        trigger.SetAction(parse => Guard(context, "trigger", () => SnapshotTrigger.Run(Directory(parse.GetValue(triggerDir)!), parse.GetValue(timeout), context)));

        snapshot.Subcommands.Add(list);
        snapshot.Subcommands.Add(inspect);
        snapshot.Subcommands.Add(trigger);
        return snapshot;
    }

    private static Option<string> StateDirOption() => new("--state-dir")
    {
        Description = "the state directory (as given to 'run' or 'replay')",
        HelpName = "DIR",
        Required = true,
    };

    // A missing directory is the operator's slip, named in one sentence (exit 1), never a stack trace.
    private static string Directory(string path)
    {
        if (!System.IO.Directory.Exists(path))
        {
            throw new SnapshotCommandException($"The state directory '{path}' does not exist.");
        }
        return Path.GetFullPath(path);
    }

    private static int Guard(CliContext context, string command, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (UsageException e)
        {
            context.Error.WriteLine($"attribution snapshot {command}: {e.Message}");
            return CliApp.UsageExitCode;
        }
        catch (SnapshotCommandException e)
        {
            context.Error.WriteLine($"attribution snapshot {command}: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            context.Error.WriteLine($"attribution snapshot {command}: The state directory cannot be read: {Run.Sentences.First(e.Message)}.");
            return 1;
        }
    }

    /// <summary>"1.5 MiB": a size for people.</summary>
    internal static string Size(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} B" : value.ToString("0.0", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    /// <summary>The snapshot's input positions in a few words: replay's line, or the Kafka partitions' next offsets.</summary>
    internal static string Positions(SnapshotManifest m)
    {
        if (m.Extras.TryGetValue(Replay.ReplayCommand.LinesKey, out string? lines))
        {
            return $"replay after line {lines}";
        }
        if (m.Partitions.Count == 0)
        {
            return "no input yet";
        }
        var cuts = m.Partitions.OrderBy(p => p.Partition).ToList();
        if (cuts.Count <= 4)
        {
            return "next offsets " + string.Join(" ", cuts.Select(c => $"p{c.Partition}:{c.Position + 1}"));
        }
        return $"{cuts.Count} partitions, next offsets {cuts.Min(c => c.Position) + 1}..{cuts.Max(c => c.Position) + 1}";
    }

    /// <summary>A time in UTC, to the millisecond.</summary>
    internal static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
