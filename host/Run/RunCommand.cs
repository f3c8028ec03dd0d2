using System.Runtime.InteropServices;
using Attribution.Host.Cli;

namespace Attribution.Host.Run;

/// <summary>
/// <c>attribution run</c>: the Kafka host (consumer → engine → transactional producer) until Ctrl-C or
/// SIGTERM. Exit codes: 0 clean stop, 1 the run failed (unreachable broker, missing topic, fenced or
/// fatal producer; one sentence on standard error), 2 bad configuration.
/// </summary>
public static class RunCommand
{
    /// <summary>Runs the command on the process console and environment.</summary>
    public static int Run(string[] args) => Run(args, RunOptionsReader.ProcessEnvironment(), Console.Error, CancellationToken.None);

    /// <summary>Runs the command; <paramref name="stop"/> also stops it (tests).</summary>
    public static int Run(string[] args, IReadOnlyDictionary<string, string> environment, TextWriter stderr, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        RunOptions options;
        try
        {
            options = RunOptionsReader.Read(args, environment, out bool help);
            if (help)
            {
                Console.Out.WriteLine(HelpText.Run);
                return 0;
            }
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"attribution run: {e.Message}");
            return 2;
        }

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stop);
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true; // stop cleanly: commit what is done, leave the group
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            cancel.Cancel();
        });
        var log = new RunLog(stderr);
        try
        {
            int code;
            string? sentence;
            using (var pipeline = new KafkaPipeline(options, log))
            {
                using var metrics = options.MetricsPort > 0 ? MetricsServer.TryStart(options.MetricsPort, pipeline, log) : null;
                if (options.MetricsPort > 0 && metrics is null)
                {
                    stderr.WriteLine($"attribution run: the metrics port {options.MetricsPort} cannot be opened (in use, or not allowed).");
                    return 2;
                }
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
