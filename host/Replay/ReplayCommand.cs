using System.Diagnostics;
using System.Globalization;
using Attribution.Engine.Attribution;
using Attribution.Engine.Events;
using Attribution.Engine.Pipeline;
using Attribution.Engine.Snapshots;
using Attribution.Host.Cli;
using Attribution.Host.Settings;

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
    internal const string InputHashKey = "replay.input_hash";
    internal const string InputBytesKey = "replay.input_bytes";

    /// <summary>Runs the command with <c>replay</c>'s flags on the process environment; returns the exit code (0 done, 1 could not run, 2 bad flags).</summary>
    public static int Run(string[] args, TextWriter stderr)
        => CliApp.Run(["replay", .. args], new CliContext(CliContext.ProcessEnvironment(), Console.Out, stderr, CancellationToken.None));

    /// <summary>Runs the command; <paramref name="syncObserver"/> sees what each snapshot made durable before its manifest (tests).</summary>
    internal static int Run(string[] args, TextWriter stderr, Action<ReplaySync>? syncObserver)
    {
        ReplayOptions options;
        try
        {
            options = ReplayOptionsReader.Read(args, CliContext.ProcessEnvironment());
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"attribution replay: {e.Message}");
            return 2;
        }
        return Run(options, stderr, syncObserver);
    }

    /// <summary>Runs the command parsed by <see cref="CliApp"/>.</summary>
    internal static int Execute(CommandSettings settings, System.CommandLine.ParseResult parse, CliContext context)
    {
        if (!settings.TryRead(parse, context, "replay", ReplayOptionsReader.Read, out SettingReader reader, out ReplayOptions options))
        {
            return 2;
        }
        foreach (string warning in reader.Layers.Warnings)
        {
            context.Error.WriteLine($"attribution replay: warning: {warning}");
        }
        // Debug, not information: replay's standard error is its summary or one sentence, which scripts read.
        if (options.LogLevel <= Microsoft.Extensions.Logging.LogLevel.Debug)
        {
            Attribution.Host.Run.RunLog.Create(context.Error, options.LogLevel, options.LogFormat).Info("config", EffectiveConfiguration.Render(reader));
        }
        return Run(options, context.Error, syncObserver: null);
    }

    private static int Run(ReplayOptions options, TextWriter stderr, Action<ReplaySync>? syncObserver)
    {
        var engineLog = new EngineLog(stderr);
        try
        {
            RunSummary summary = options.StateDirectory is null ? RunStateless(options) : RunWithSnapshots(options, stderr, engineLog, syncObserver);
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
        catch (Exception e) when (e is ShardFailedException or SnapshotFailedException or OutputWriteException)
        {
            // A fault of our own output or state: the run stops at once with its cause, never a stack trace. The cause is
            // the last line: what the engine's threads still report while the run closes (a snapshot cut short because
            // the output file is closed) follows from the stop and is not printed after it.
            engineLog.Close();
            stderr.WriteLine($"attribution replay: {StoppedSentence(e, options.StateDirectory)}");
            return 1;
        }
    }

    private static string StoppedSentence(Exception e, string? stateDirectory)
    {
        string cause = e switch
        {
            ShardFailedException { InnerException: OutputWriteException w } => w.Message,
            SnapshotFailedException => $"The state directory '{stateDirectory}' could not take a snapshot: {(e.InnerException ?? e).Message.TrimEnd('.')}",
            _ => e.Message,
        };
        return stateDirectory is null
            ? $"{cause.TrimEnd('.')}; the run stopped."
            : $"{cause.TrimEnd('.')}; the run stopped — make room and run the same command again to resume from the last snapshot.";
    }

    private static RunSummary RunStateless(ReplayOptions options)
    {
        using Stream input = options.InputPath is null ? Console.OpenStandardInput() : OpenInput(options.InputPath);
        using Stream output = options.OutputPath is null ? Console.OpenStandardOutput() : OpenOutput(options.OutputPath, "output", FileMode.Create);
        using DeadLetterWriter? deadLetters = options.DeadLetterPath is null ? null : new DeadLetterWriter(OpenOutput(options.DeadLetterPath, "dead-letter", FileMode.Create), 0, options.DeadLetterPath);
        return Execute(options, input, output, deadLetters, options.OutputPath ?? "(standard output)");
    }

    /// <summary>Runs the replay over streams, without snapshots (also used by tests and the demo).</summary>
    public static RunSummary Execute(ReplayOptions options, Stream input, Stream output, DeadLetterWriter? deadLetters, string outputName = "(output stream)")
    {
        var sink = new StreamOutput(output, outputName);
        var clock = Stopwatch.StartNew();
        using var engine = new AttributionEngine(options.EngineOptions(), sink);
        return Pump(engine, options, new LineReader(input), skipThrough: 0, sink, deadLetters, clock, snapshotEvery: 0, resumedFrom: null);
    }

    private static RunSummary RunWithSnapshots(ReplayOptions options, TextWriter stderr, EngineLog engineLog, Action<ReplaySync>? syncObserver)
    {
        string inputIdentity = options.InputPath is null ? "-" : Path.GetFullPath(options.InputPath);
        var sink = new StreamOutput(Stream.Null, options.OutputPath!);
        var durability = new ReplayDurability(syncObserver);
        EngineOptions engineOptions = options.EngineOptions() with
        {
            // A snapshot that cannot be written (a full state disk) stops the run at once: it resumes from the last good one.
            OnSnapshotFailure = SnapshotFailurePolicy.Stop,
            Logger = engineLog.Write,
            // At the cut every shard has delivered the outputs of all events before it and none after.
            CaptureSnapshotExtras = extras => extras[OutputBytesKey] = sink.BytesWritten.ToString(CultureInfo.InvariantCulture),
            // The lengths a manifest records are fsynced first, so a power loss never leaves it pointing past the files.
            BeforeSnapshotManifest = durability.Sync,
        };
        AttributionEngine engine;
        try
        {
            engine = AttributionEngine.Open(engineOptions, sink);
        }
        catch (Exception e) when (e is SnapshotMismatchException or StateDirectoryInUseException)
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
                skipThrough = Extra(resumed, LinesKey);
                outputBytes = Extra(resumed, OutputBytesKey);
                deadLetterBytes = resumed.Extras.ContainsKey(DeadLetterBytesKey) ? Extra(resumed, DeadLetterBytesKey) : 0;
            }

            using Stream input = options.InputPath is null ? Console.OpenStandardInput() : OpenInput(options.InputPath);
            var reader = new LineReader(input);
            var fingerprint = new InputFingerprint();
            if (resumed is not null)
            {
                // Before any file is touched: the lines the snapshot covers must be the ones this input starts with.
                VerifyResumedInput(reader, fingerprint, resumed, skipThrough, inputIdentity, options.StateDirectory!);
            }
            using FileStream output = OpenResumable(options.OutputPath!, "output", outputBytes, resumed is not null);
            sink.Reset(output, outputBytes);
            FileStream? deadLetterFile = options.DeadLetterPath is null ? null : OpenResumable(options.DeadLetterPath, "dead-letter", deadLetterBytes, resumed is not null);
            using DeadLetterWriter? deadLetters = deadLetterFile is null ? null : new DeadLetterWriter(deadLetterFile, deadLetterBytes, options.DeadLetterPath!);
            durability.Attach(output, deadLetterFile);
            stderr.WriteLine(resumed is not null
                ? $"attribution replay: resuming after input line {skipThrough:N0} (snapshot {resumed.Sequence}); output cut back to {outputBytes:N0} bytes."
                : "attribution replay: starting at input line 1 with empty state.");
            var clock = Stopwatch.StartNew();
            var summary = Pump(engine, options, reader, skipThrough, sink, deadLetters, clock, options.SnapshotEveryLines,
                resumed, inputIdentity, fingerprint);
            return summary;
        }
    }

    /// <summary>
    /// Reads the first <paramref name="lines"/> lines (a resume re-reads them anyway: positions are line numbers) and
    /// refuses, in one sentence, an input that is shorter or whose lines hash differently from those the snapshot was taken after.
    /// </summary>
    private static void VerifyResumedInput(LineReader reader, InputFingerprint fingerprint, SnapshotManifest resumed, long lines, string inputIdentity, string stateDirectory)
    {
        string input = inputIdentity == "-" ? "standard input" : $"'{inputIdentity}'";
        string recorded = resumed.Extras.GetValueOrDefault(InputKey, "") is "-" or "" ? "standard input" : $"'{resumed.Extras[InputKey]}'";
        if (!resumed.Extras.TryGetValue(InputHashKey, out string? expected))
        {
            throw new RunException($"Snapshot {resumed.Sequence} in '{stateDirectory}' does not record a hash of its input (an older version wrote it), so resuming cannot be checked; use an empty --state-dir.");
        }
        while (reader.LineNumber < lines && reader.TryReadLine(out var line, out bool truncated, out long fullLength))
        {
            fingerprint.Add(line, truncated, fullLength);
        }
        if (reader.LineNumber < lines)
        {
            throw new RunException($"The input ({input}) has {reader.LineNumber:N0} lines but the snapshot in '{stateDirectory}' was taken after line {lines:N0} of {recorded}; resume with that input or use an empty --state-dir.");
        }
        if (fingerprint.Digest != expected)
        {
            throw new RunException($"The first {lines:N0} lines of the input ({input}) are not those the snapshot in '{stateDirectory}' was taken after (of {recorded}: their hashes differ); resume with that input or use an empty --state-dir.");
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
        DeadLetterWriter? deadLetters, Stopwatch clock, long snapshotEvery, SnapshotManifest? resumedFrom, string? inputIdentity = null, InputFingerprint? fingerprint = null)
    {
        long blankLines = 0;
        long sinceSnapshot = 0;
        while (reader.TryReadLine(out var line, out bool truncated, out long fullLength))
        {
            if (reader.LineNumber <= skipThrough)
            {
                continue; // already applied (and its outputs kept) before the snapshot we resumed from
            }
            fingerprint?.Add(line, truncated, fullLength);
            if (!truncated && IsBlank(line))
            {
                blankLines++;
            }
            else
            {
                RejectReason reason;
                RecordField field = RecordField.None;
                if (truncated)
                {
                    reason = RejectReason.Oversized;
                    engine.CountRejected(reason);
                }
                else
                {
                    reason = engine.SubmitReportingField(line, out field, position: reader.LineNumber);
                }
                if (reason != RejectReason.None)
                {
                    deadLetters?.Write(reader.LineNumber, reason, line, truncated, fullLength, field);
                }
            }
            if (snapshotEvery > 0 && ++sinceSnapshot >= snapshotEvery)
            {
                sinceSnapshot = 0;
                // The producer publishes the cut, so this line number is exactly where it falls. A failure is
                // reported when it happens (one line), not only at the end.
                _ = engine.SnapshotAsync(ReplayExtras(inputIdentity!, reader.LineNumber, deadLetters, fingerprint!)).ContinueWith(
                    static (t, log) => ((Action<string>?)log)?.Invoke(t.Exception!.InnerException!.Message), engine.Options.Logger,
                    CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
        engine.Flush();
        if (inputIdentity is not null)
        {
            // A final snapshot: running the command again after it finished changes nothing.
            try
            {
                engine.Snapshot(ReplayExtras(inputIdentity, reader.LineNumber, deadLetters, fingerprint!));
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

    // Spaces, tabs and a lone '\r' hold no record, like an empty line (JSON's insignificant whitespace).
    private static bool IsBlank(ReadOnlySpan<byte> line) => line.IndexOfAnyExcept(" \t\r"u8) < 0;

    private static Dictionary<string, string> ReplayExtras(string inputIdentity, long line, DeadLetterWriter? deadLetters, InputFingerprint fingerprint)
    {
        var extras = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [InputKey] = inputIdentity,
            [LinesKey] = line.ToString(CultureInfo.InvariantCulture),
            // The identity of lines 1..line: a resume on another input (or the same path rewritten) is refused.
            [InputHashKey] = fingerprint.Digest,
            [InputBytesKey] = fingerprint.Bytes.ToString(CultureInfo.InvariantCulture),
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
    private sealed class StreamOutput(Stream stream, string name) : IEngineOutput
    {
        private readonly object _lock = new();
        private Stream _stream = stream;
        private long _bytes;
        private string? _failed; // the first failure's cause

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
                if (_failed is { } cause)
                {
                    // After a failed write the file may end in part of a batch: nothing may follow it. The first
                    // failure's cause is repeated: the thread that reports the stop may not be the one that met it.
                    throw new InvalidOperationException($"The output file '{name}' failed earlier ({cause}); nothing more is written to it.");
                }
                try
                {
                    _stream.Write(batch.Lines);
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException)
                {
                    _failed = Cause(e);
                    throw new OutputWriteException("output file", name, e);
                }
                _bytes += batch.Lines.Length;
            }
        }

        private static string Cause(Exception e) => e.Message.Trim().TrimEnd('.');

        public void Flush()
        {
            lock (_lock)
            {
                try
                {
                    _stream.Flush();
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException)
                {
                    _failed ??= Cause(e);
                    throw new OutputWriteException("output file", name, e);
                }
            }
        }
    }
}

/// <summary>A run could not start or continue; the message is one sentence for a person.</summary>
public sealed class RunException(string message) : Exception(message);
