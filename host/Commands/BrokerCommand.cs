using System.Globalization;
using System.Runtime.InteropServices;
using Attribution.Host.Kafka;
using Attribution.Testing.Kafka;

namespace Attribution.Host.Commands;

/// <summary>
/// <c>attribution broker</c>: runs the embedded Kafka-protocol broker (<see cref="EmbeddedKafkaCluster"/>)
/// with the pipeline's topics until Ctrl-C or SIGTERM, printing <c>bootstrap: host:port</c> first.
/// </summary>
/// <remarks>
/// Flags: <c>--brokers N</c> (default 1), <c>--partitions N</c> (default 8),
/// <c>--topics a,b</c> (default raw-events,attributed-events,attribution-dead-letter).
/// Hidden, for tests: <c>--run-for-ms N</c> stops by itself after N ms.
/// Exit codes: 0 after a clean stop, 2 for bad flags, 1 when the broker cannot start.
/// </remarks>
public static class BrokerCommand
{
    /// <summary>Topics created when <c>--topics</c> is not given.</summary>
    public static readonly IReadOnlyList<string> DefaultTopics = ["raw-events", "attributed-events", "attribution-dead-letter"];

    private const int DefaultPartitions = 8;
    private const int MaxPartitions = 1024;

    /// <summary>Runs the command on the console; returns the process exit code.</summary>
    public static int Run(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the command writing to the given streams; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error) => Run(args, output, error, CancellationToken.None);

    /// <summary>As <see cref="Run(string[], TextWriter, TextWriter)"/>; <paramref name="stopToken"/> also stops the broker.</summary>
    internal static int Run(string[] args, TextWriter output, TextWriter error, CancellationToken stopToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);

        if (!TryParse(args, out var options, out var problem))
        {
            error.WriteLine($"error: {problem}");
            return 2;
        }

        using var stop = new ManualResetEventSlim(false);
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true; // we stop ourselves, after disposing the broker
            stop.Set();
        };
        Console.CancelKeyPress += onCancel;
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Set();
        });
        try
        {
            EmbeddedKafkaCluster cluster;
            try
            {
                cluster = new EmbeddedKafkaCluster(options.Brokers);
            }
            catch (Exception e) when (e is DllNotFoundException or InvalidOperationException)
            {
                error.WriteLine($"error: the embedded broker could not start: {e.Message}");
                return 1;
            }

            using (cluster)
            {
                try
                {
                    foreach (var topic in options.Topics)
                    {
                        cluster.CreateTopic(topic, options.Partitions, replicationFactor: 1);
                    }
                }
                catch (InvalidOperationException e)
                {
                    error.WriteLine($"error: {e.Message}");
                    return 1;
                }
                output.WriteLine($"bootstrap: {cluster.BootstrapServers}");
                output.WriteLine($"topics: {string.Join(", ", options.Topics)} ({options.Partitions} partitions each)");
                output.Flush();

                try
                {
                    stop.Wait(options.RunForMs ?? Timeout.Infinite, stopToken);
                }
                catch (OperationCanceledException)
                {
                    // Stopped by the caller's token: same clean shutdown as Ctrl-C.
                }
            }
            output.WriteLine("broker stopped");
            return 0;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private sealed record Options(int Brokers, int Partitions, IReadOnlyList<string> Topics, int? RunForMs);

    private static bool TryParse(string[] args, out Options options, out string problem)
    {
        var brokers = 1;
        var partitions = DefaultPartitions;
        IReadOnlyList<string> topics = DefaultTopics;
        int? runFor = null;
        options = new Options(brokers, partitions, topics, runFor);
        problem = "";

        for (var i = 0; i < args.Length; i++)
        {
            var flag = args[i];
            if (flag is not ("--brokers" or "--partitions" or "--topics" or "--run-for-ms"))
            {
                problem = $"unknown option '{flag}'; expected --brokers N, --partitions N or --topics a,b.";
                return false;
            }
            if (i + 1 >= args.Length)
            {
                problem = $"option {flag} needs a value.";
                return false;
            }
            var value = args[++i];
            switch (flag)
            {
                case "--brokers":
                    if (!TryParseInt(value, 1, EmbeddedKafkaCluster.MaxBrokers, out brokers))
                    {
                        problem = $"--brokers must be a whole number from 1 to {EmbeddedKafkaCluster.MaxBrokers}, not '{value}'.";
                        return false;
                    }
                    break;
                case "--partitions":
                    if (!TryParseInt(value, 1, MaxPartitions, out partitions))
                    {
                        problem = $"--partitions must be a whole number from 1 to {MaxPartitions}, not '{value}'.";
                        return false;
                    }
                    break;
                case "--topics":
                    if (!TryParseTopics(value, out topics, out problem)) return false;
                    break;
                default:
                    if (!TryParseInt(value, 0, int.MaxValue, out var ms))
                    {
                        problem = $"--run-for-ms must be a whole number of milliseconds, not '{value}'.";
                        return false;
                    }
                    runFor = ms;
                    break;
            }
        }

        options = new Options(brokers, partitions, topics, runFor);
        return true;
    }

    private static bool TryParseInt(string text, int min, int max, out int value)
    {
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
    }

    private static bool TryParseTopics(string value, out IReadOnlyList<string> topics, out string problem)
    {
        var list = new List<string>();
        topics = list;
        problem = "";
        foreach (var part in value.Split(','))
        {
            var name = part.Trim();
            if (KafkaTopicName.Problem(name) is { } bad)
            {
                problem = $"--topics has a bad {bad}";
                return false;
            }
            if (list.Contains(name))
            {
                problem = $"--topics names '{name}' twice.";
                return false;
            }
            list.Add(name);
        }
        return true;
    }
}
