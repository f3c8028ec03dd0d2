using System.Diagnostics;
using Attribution.Engine.Attribution;
using Attribution.Engine.Pipeline;
using Attribution.Engine.Events;
using Attribution.Host.Cli;

namespace Attribution.Host.Replay;

/// <summary>`attribution replay`: attributes a JSON-lines file offline, with the same core the host runs.</summary>
public static class ReplayCommand
{
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

        Stream input;
        Stream output;
        DeadLetterWriter? deadLetters = null;
        try
        {
            input = options.InputPath is null ? Console.OpenStandardInput() : OpenInput(options.InputPath);
            output = options.OutputPath is null ? Console.OpenStandardOutput() : OpenOutput(options.OutputPath, "output");
            if (options.DeadLetterPath is not null)
            {
                deadLetters = new DeadLetterWriter(OpenOutput(options.DeadLetterPath, "dead-letter"));
            }
        }
        catch (RunException e)
        {
            stderr.WriteLine($"attribution replay: {e.Message}");
            return 1;
        }

        using (input)
        using (output)
        using (deadLetters)
        {
            var summary = Execute(options, input, output, deadLetters);
            if (!options.Quiet)
            {
                summary.WriteTo(stderr);
            }
        }
        return 0;
    }

    /// <summary>Runs the replay over streams (also used by tests and the demo).</summary>
    public static RunSummary Execute(ReplayOptions options, Stream input, Stream output, DeadLetterWriter? deadLetters)
    {
        var config = options.Config;
        var sink = new StreamOutput(output);
        var reader = new LineReader(input);
        long blankLines = 0;
        var clock = Stopwatch.StartNew();
        AttributionCounters counters;
        using (var engine = new AttributionEngine(options.EngineOptions(), sink))
        {
            while (reader.TryReadLine(out var line, out bool truncated, out long fullLength))
            {
                if (line.IsEmpty && !truncated)
                {
                    blankLines++;
                    continue;
                }
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
            engine.Flush();
            counters = engine.GetCounters();
            if (engine.FaultCount > 0)
            {
                throw new RunException($"{engine.FaultCount} event(s) could not be applied; first: {engine.RecentFaults()[0]}");
            }
        }
        output.Flush();
        deadLetters?.Flush();
        clock.Stop();
        return RunSummary.From(counters, blankLines, clock.Elapsed);
    }

    /// <summary>Writes each delivered batch of JSON lines to the output stream (shard threads take turns).</summary>
    private sealed class StreamOutput(Stream stream) : IEngineOutput
    {
        private readonly object _lock = new();

        public void Deliver(OutputBatch batch)
        {
            lock (_lock)
            {
                stream.Write(batch.Lines);
            }
        }
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

    private static FileStream OpenOutput(string path, string what)
    {
        try
        {
            return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RunException($"The {what} file '{path}' cannot be written: {e.Message}");
        }
    }

}

/// <summary>A run could not start or continue; the message is one sentence for a person.</summary>
public sealed class RunException(string message) : Exception(message);
