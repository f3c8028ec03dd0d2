using System.Runtime.InteropServices;
using Attribution.Host.Cli;
using Attribution.Host.Settings;

namespace Attribution.Host.Run;

/// <summary>
/// <c>attribution run</c>: the Kafka host (consumer → engine → transactional producer) until Ctrl-C or
/// SIGTERM. Exit codes: 0 clean stop, 1 the run failed (unreachable broker, missing topic, fenced or
/// fatal producer; one sentence on standard error), 2 bad configuration.
/// </summary>
public static class RunCommand
{
    /// <summary>Runs the command on the process console and environment.</summary>
    public static int Run(string[] args) => CliApp.Run(["run", .. args]);

    /// <summary>
    /// How long a stop (Ctrl-C, SIGTERM) may take. A host waiting on Kafka (a broker down during a partition's
    /// recovery, a commit that does not return) cannot finish its clean stop; after this it exits 1 without
    /// committing — safe, the work in flight was not committed and the partitions' next owner redoes it.
    /// </summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(20);

    /// <summary>Runs the command with <c>run</c>'s flags <paramref name="args"/>; <paramref name="stop"/> also stops it (tests).</summary>
    /// <param name="exitIfStuck">Whether to end the process when a stop takes longer than <see cref="StopGrace"/> (the binary; not in-process callers).</param>
    public static int Run(string[] args, IReadOnlyDictionary<string, string> environment, TextWriter stderr, CancellationToken stop, bool exitIfStuck = false)
        => CliApp.Run(["run", .. args], new CliContext(environment, Console.Out, stderr, stop, exitIfStuck));

    /// <summary>Runs the command parsed by <see cref="CliApp"/>.</summary>
    internal static int Execute(CommandSettings settings, System.CommandLine.ParseResult parse, CliContext context)
    {
        TextWriter stderr = context.Error;
        CancellationToken stop = context.Stop;
        bool exitIfStuck = context.ExitIfStuck;
        if (!settings.TryRead(parse, context, "run", RunOptionsReader.Read, out SettingReader reader, out RunOptions options))
        {
            return 2;
        }

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stop);
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true; // stop cleanly: commit what is done, leave the group
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
        {
            signal.Cancel = true;
            cancel.Cancel();
        });
        var log = RunLog.Create(stderr, options.LogLevel, options.LogFormat);
        log.Redact(EffectiveConfiguration.SecretValues(reader, options.KafkaProperties));
        foreach (string warning in reader.Layers.Warnings)
        {
            log.Warn("config", $"message=\"{warning}\"");
        }
        using var stuckTimer = new Timer(_ =>
        {
            log.Error("run", $"message=\"stop_not_finished seconds={StopGrace.TotalSeconds:F0}\"");
            stderr.WriteLine($"attribution run: The host did not finish stopping within {StopGrace.TotalSeconds:F0} s (Kafka did not answer); it exits without committing the work in flight, which the partitions' next owner redoes.");
            stderr.Flush();
            Environment.Exit(1);
        });
        using var armStuckTimer = exitIfStuck ? cancel.Token.Register(() => stuckTimer.Change(StopGrace, Timeout.InfiniteTimeSpan)) : default;
        try
        {
            int code;
            string? sentence;
            using (var pipeline = new KafkaPipeline(options, log, kafka: Demo.TestBrokerSwitch.Supplier(context.Environment, options, log)))
            {
                string? metricsProblem = null;
                using var metrics = options.MetricsPort > 0 ? MetricsServer.TryStart(options.MetricsAddress, options.MetricsPort, pipeline, log, out metricsProblem,
                    EffectiveConfiguration.Entries(reader, options.KafkaProperties)) : null;
                if (options.MetricsPort > 0 && metrics is null)
                {
                    stderr.WriteLine($"attribution run: the metrics endpoint {new System.Net.IPEndPoint(options.MetricsAddress, options.MetricsPort)} cannot be opened ({metricsProblem}).");
                    return 2;
                }
                log.Info("config", EffectiveConfiguration.Render(reader, options.KafkaProperties));
                code = pipeline.Run(cancel.Token);
                sentence = pipeline.FatalError;
            }
            // After the clients are closed, so the sentence is the last line on standard error.
            if (code != 0 && sentence is not null)
            {
                stderr.WriteLine($"attribution run: {sentence}");
            }
            return code;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}
