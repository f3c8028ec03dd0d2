using System.Diagnostics;
using System.Globalization;
using Attribution.Engine.Attribution;
using Attribution.Engine.Events;
using Attribution.Engine.Pipeline;
using Attribution.Engine.Snapshots;
using Attribution.Host.Cli;

namespace Attribution.Host.Replay;

/// <summary>
/// `attribution replay`: attributes a JSON-lines file offline on the same engine the host runs.
/// With --state-dir it snapshots as it goes; after a crash the same command resumes from the last
/// snapshot: the output (and dead-letter) file is cut back to the length the snapshot recorded and
/// reading continues after the snapshot's input line, so the finished output holds every
/// attribution exactly once.
/// </summary>
public static class ReplayCommand
{
    /// <summary>Manifest extras written by replay.</summary>
    internal const string InputKey = "replay.input";
    internal const string LinesKey = "replay.lines";
    internal const string OutputBytesKey = "replay.output_bytes";
    internal const string DeadLetterBytesKey = "replay.dead_letter_bytes";

    /// <summary>Runs the command; returns the exit code (0 done, 1 could not run, 2 bad flags).</summary>
    public static int Run(string[] args, TextWriter stderr)
    {
        ReplayOptions options;
        try
        {
            var cl = CommandLine.Parse("replay", args, ReplayOptions.ValueFlags, ReplayOptions.Switches);
            if (cl.Has("--help"))
            {
                Console.Out.WriteLine(HelpText.Replay);
                return 0;
            }
            options = ReplayOptions.Parse(cl);
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"attribution replay: {e.Message}");
            return 2;
        }

        try
        {
            RunSummary summary = options.StateDirectory is null ? RunStateless(options) : RunWithSnapshots(options, stderr);
            if (!options.Quiet)
            {
                summary.WriteTo(stderr);
            }
            return 0;
        }
        catch (RunException e)
        {
            stderr.WriteLine($"attribution replay: {e.Message}");
            return 1;
        }
    }

    private static RunSummary RunStateless(ReplayOptions options)
    {
        using Stream input = options.InputPath is null ? Console.OpenStandardInput() : OpenInput(options.InputPath);
        using Stream output = options.OutputPath is null ? Console.OpenStandardOutput() : OpenOutput(options.OutputPath, "output", FileMode.Create);
        using DeadLetterWriter? deadLetters = options.DeadLetterPath is null ? null : new DeadLetterWriter(OpenOutput(options.DeadLetterPath, "dead-letter", FileMode.Create));
        return Execute(options, input, output, deadLetters);
    }

    /// <summary>Runs the replay over streams, without snapshots (also used by tests and the demo).</summary>
    public static RunSummary Execute(ReplayOptions options, Stream input, Stream output, DeadLetterWriter? deadLetters)
    {
        var sink = new StreamOutput(output);
        var clock = Stopwatch.StartNew();
        using var engine = new AttributionEngine(options.EngineOptions(), sink);
        return Pump(engine, options, new LineReader(input), skipThrough: 0, sink, deadLetters, clock, snapshotEvery: 0, resumedFrom: null);
    }

    private static RunSummary RunWithSnapshots(ReplayOptions options, TextWriter stderr)
    {
        string inputIdentity = options.InputPath is null ? "-" : Path.GetFullPath(options.InputPath);
        var sink = new StreamOutput(Stream.Null);
        EngineOptions engineOptions = options.EngineOptions() with
        {
            Logger = line => stderr.WriteLine($"attribution replay: {line}"),
            // At the cut every shard has delivered the outputs of all events before it and none after.
            CaptureSnapshotExtras = extras => extras[OutputBytesKey] = sink.BytesWritten.ToString(CultureInfo.InvariantCulture),
        };
        AttributionEngine engine;
        try
        {
            engine = AttributionEngine.Open(engineOptions, sink);
        }
        catch (SnapshotMismatchException e)
        {
            throw new RunException(e.Message);
        }
        catch (ArgumentException e)
        {
            throw new RunException(e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only, full or unreachable state directory: one clear line, not a stack trace.
            throw new RunException($"The state directory '{options.StateDirectory}' cannot be used: {e.Message}");
        }

        using (engine)
        {
            SnapshotManifest? resumed = engine.RecoveredSnapshot;
            long skipThrough = 0, outputBytes = 0, deadLetterBytes = 0;
            if (resumed is not null)
            {
                string recordedInput = resumed.Extras.GetValueOrDefault(InputKey, "");
                if (recordedInput != inputIdentity)
                {
                    throw new RunException($"The state directory '{options.StateDirectory}' holds a replay of '{recordedInput}', not of '{inputIdentity}'; use that input or an empty --state-dir.");
                }
                skipThrough = Extra(resumed, LinesKey);
                outputBytes = Extra(resumed, OutputBytesKey);
                deadLetterBytes = resumed.Extras.ContainsKey(DeadLetterBytesKey) ? Extra(resumed, DeadLetterBytesKey) : 0;
            }

            using Stream input = options.InputPath is null ? Console.OpenStandardInput() : OpenInput(options.InputPath);
            using FileStream output = OpenResumable(options.OutputPath!, "output", outputBytes, resumed is not null);
            sink.Reset(output, outputBytes);
            using DeadLetterWriter? deadLetters = options.DeadLetterPath is null ? null
                : new DeadLetterWriter(OpenResumable(options.DeadLetterPath, "dead-letter", deadLetterBytes, resumed is not null), deadLetterBytes);
            stderr.WriteLine(resumed is not null
                ? $"attribution replay: resuming after input line {skipThrough:N0} (snapshot {resumed.Sequence}); output cut back to {outputBytes:N0} bytes."
                : "attribution replay: starting at input line 1 with empty state.");
            var clock = Stopwatch.StartNew();
            var summary = Pump(engine, options, new LineReader(input), skipThrough, sink, deadLetters, clock, options.SnapshotEveryLines,
                resumed, inputIdentity);
            return summary;
        }
    }

    private static long Extra(SnapshotManifest manifest, string key)
    {
        if (!manifest.Extras.TryGetValue(key, out string? text) || !long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) || value < 0)
        {
            throw new RunException($"Snapshot {manifest.Sequence} was not written by replay (its '{key}' entry is missing); use an empty --state-dir.");
        }
        return value;
    }

    private static RunSummary Pump(AttributionEngine engine, ReplayOptions options, LineReader reader, long skipThrough, StreamOutput sink,
        DeadLetterWriter? deadLetters, Stopwatch clock, long snapshotEvery, SnapshotManifest? resumedFrom, string? inputIdentity = null)
    {
        long blankLines = 0;
        long sinceSnapshot = 0;
        while (reader.TryReadLine(out var line, out bool truncated, out long fullLength))
        {
            if (reader.LineNumber <= skipThrough)
            {
                continue; // already applied (and its outputs kept) before the snapshot we resumed from
            }
            if (line.IsEmpty && !truncated)
            {
                blankLines++;
            }
            else
            {
                RejectReason reason;
                if (truncated)
                {
                    reason = RejectReason.Oversized;
                    engine.CountRejected(reason);
                }
                else
                {
                    reason = engine.Submit(line, position: reader.LineNumber);
                }
                if (reason != RejectReason.None)
                {
                    deadLetters?.Write(reader.LineNumber, reason, line, truncated, fullLength);
                }
            }
            if (snapshotEvery > 0 && ++sinceSnapshot >= snapshotEvery)
            {
                sinceSnapshot = 0;
                // The producer publishes the cut, so this line number is exactly where it falls.
                _ = engine.SnapshotAsync(ReplayExtras(inputIdentity!, reader.LineNumber, deadLetters));
            }
        }
        engine.Flush();
        if (inputIdentity is not null)
        {
            // A final snapshot: running the command again after it finished changes nothing.
            try
            {
                engine.Snapshot(ReplayExtras(inputIdentity, reader.LineNumber, deadLetters));
            }
            catch (SnapshotFailedException e)
            {
                throw new RunException($"The run completed but its final snapshot failed ({e.Message}); the output is complete.");
            }
        }
        var counters = engine.GetCounters();
        if (engine.FaultCount > 0)
        {
            throw new RunException($"{engine.FaultCount} event(s) could not be applied; first: {engine.RecentFaults()[0]}");
        }
        sink.Flush();
        deadLetters?.Flush();
        clock.Stop();
        var summary = RunSummary.From(counters, blankLines, clock.Elapsed);
        return resumedFrom is null ? summary : summary with { ResumedAfterLine = skipThrough };
    }

    private static Dictionary<string, string> ReplayExtras(string inputIdentity, long line, DeadLetterWriter? deadLetters)
    {
        var extras = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [InputKey] = inputIdentity,
            [LinesKey] = line.ToString(CultureInfo.InvariantCulture),
        };
        if (deadLetters is not null)
        {
            deadLetters.Flush(); // on the producer thread: exactly the dead letters of lines up to the cut
            extras[DeadLetterBytesKey] = deadLetters.BytesWritten.ToString(CultureInfo.InvariantCulture);
        }
        return extras;
    }

    private static FileStream OpenInput(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RunException(e is FileNotFoundException or DirectoryNotFoundException
                ? $"The input file '{path}' does not exist."
                : $"The input file '{path}' cannot be read: {e.Message}");
        }
    }

    private static FileStream OpenOutput(string path, string what, FileMode mode)
    {
        try
        {
            return new FileStream(path, mode, FileAccess.Write, FileShare.Read, 1);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RunException($"The {what} file '{path}' cannot be written: {e.Message}");
        }
    }

    /// <summary>Opens an output for a resumed run: cut back to the snapshot's length (refusing when it is shorter).</summary>
    private static FileStream OpenResumable(string path, string what, long length, bool resuming)
    {
        if (!resuming)
        {
            return OpenOutput(path, what, FileMode.Create);
        }
        FileStream file = OpenOutput(path, what, FileMode.OpenOrCreate);
        if (file.Length < length)
        {
            long actual = file.Length;
            file.Dispose();
            throw new RunException($"The {what} file '{path}' has {actual:N0} bytes but the snapshot recorded {length:N0}; it was changed since, so resume with an empty --state-dir.");
        }
        file.SetLength(length);
        file.Seek(length, SeekOrigin.Begin);
        return file;
    }

    /// <summary>Writes each delivered batch of JSON lines to the output stream (shard threads take turns) and counts the bytes.</summary>
    private sealed class StreamOutput(Stream stream) : IEngineOutput
    {
        private readonly object _lock = new();
        private Stream _stream = stream;
        private long _bytes;

        public long BytesWritten
        {
            get
            {
                lock (_lock)
                {
                    return _bytes;
                }
            }
        }

        public void Reset(Stream target, long bytes)
        {
            lock (_lock)
            {
                _stream = target;
                _bytes = bytes;
            }
        }

        public void Deliver(OutputBatch batch)
        {
            lock (_lock)
            {
                _stream.Write(batch.Lines);
                _bytes += batch.Lines.Length;
            }
        }

        public void Flush()
        {
            lock (_lock)
            {
                _stream.Flush();
            }
        }
    }
}

/// <summary>A run could not start or continue; the message is one sentence for a person.</summary>
public sealed class RunException(string message) : Exception(message);
