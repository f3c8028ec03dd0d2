using System.Globalization;
using System.Runtime.InteropServices;
using System.CommandLine;
using System.CommandLine.Parsing;
using Attribution.Host.Kafka;
using Attribution.Testing.Kafka;

namespace Attribution.Host.Commands;

/// <summary>
/// <c>attribution broker</c>: runs the embedded Kafka-protocol broker (<see cref="EmbeddedKafkaCluster"/>)
/// with the pipeline's topics until Ctrl-C or SIGTERM, printing <c>bootstrap: host:port</c> first.
/// </summary>
/// <remarks>
/// Flags: <c>--brokers N</c> (default 1), <c>--partitions N</c> (default 8),
/// <c>--topics a,b</c> (default raw-events,attributed-events,attribution-dead-letter), <c>--port N</c> (broker i listens
/// on 127.0.0.1:N+i-1 and advertises it; default: ports librdkafka picks).
/// Hidden, for tests: <c>--run-for-ms N</c> stops by itself after N ms.
/// Exit codes: 0 after a clean stop, 2 for bad flags, 1 when the broker cannot start; errors are one sentence (<c>attribution broker: …</c>).
/// </remarks>
public static class BrokerCommand
{
    /// <summary>Topics created when <c>--topics</c> is not given.</summary>
    /// <remarks>The last is the repartition topic of <c>run</c>'s default group: this broker does not answer CreateTopics, so it is made here.</remarks>
    public static readonly IReadOnlyList<string> DefaultTopics = ["raw-events", "attributed-events", "attribution-dead-letter", "attribution-by-user-repartition"];

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
        return CliApp.Run(["broker", .. args], new Cli.CliContext(new Dictionary<string, string>(), output, error, stopToken));
    }

    /// <summary>The <c>broker</c> command; its values are checked while parsing, each with its own sentence.</summary>
    internal static Command Definition(Cli.CliContext context)
    {
        var brokers = new Option<int>("--brokers")
        {
            Description = $"brokers in the cluster, 1 to {EmbeddedKafkaCluster.MaxBrokers}",
            HelpName = "N",
            DefaultValueFactory = _ => 1,
            CustomParser = r => Whole(r, 1, EmbeddedKafkaCluster.MaxBrokers, $"--brokers must be a whole number from 1 to {EmbeddedKafkaCluster.MaxBrokers}"),
        };
        var partitions = new Option<int>("--partitions")
        {
            Description = $"partitions of each topic, 1 to {MaxPartitions}",
            HelpName = "N",
            DefaultValueFactory = _ => DefaultPartitions,
            CustomParser = r => Whole(r, 1, MaxPartitions, $"--partitions must be a whole number from 1 to {MaxPartitions}"),
        };
        var topics = new Option<IReadOnlyList<string>>("--topics")
        {
            Description = "topics to create, comma-separated",
            HelpName = "a,b",
            DefaultValueFactory = _ => DefaultTopics,
            CustomParser = r =>
            {
                if (!TryParseTopics(r.Tokens[0].Value, out var list, out var problem))
                {
                    r.AddError(problem);
                }
                return list;
            },
        };
        var port = new Option<int?>("--port")
        {
            Description = "listen on 127.0.0.1:N (broker i on N+i-1), so a test setup can pin the address; default: free ports",
            HelpName = "N",
            CustomParser = r => Whole(r, 1, 65535, "--port must be a whole number from 1 to 65535"),
        };
        var runFor = new Option<int?>("--run-for-ms")
        {
            Hidden = true, // tests: stop by itself after N ms
            CustomParser = r => Whole(r, 0, int.MaxValue, "--run-for-ms must be a whole number of milliseconds"),
        };
        var command = new Command("broker", "Start the embedded Kafka-protocol test broker with the pipeline's topics until Ctrl-C or SIGTERM; prints 'bootstrap: host:port' first. Exit codes: 0 after a clean stop, 1 it cannot start, 2 bad flags.")
        {
            brokers, partitions, topics, port, runFor,
        };
        command.Validators.Add(r =>
        {
            // Read from the tokens: a value its own parser refused has its sentence already.
            if (r.GetResult(port)?.Tokens is not [var portToken] || !TryParseInt(portToken.Value, 1, 65535, out int first))
            {
                return;
            }
            int count = r.GetResult(brokers)?.Tokens is [var b] && TryParseInt(b.Value, 1, EmbeddedKafkaCluster.MaxBrokers, out int n) ? n : 1;
            if (first + count - 1 > 65535)
            {
                r.AddError($"--port {first} leaves no port for broker {count}: the brokers listen on --port to --port + brokers - 1, at most 65535.");
            }
        });
        command.SetAction(parse => Serve(
            new Options(parse.GetValue(brokers), parse.GetValue(partitions), parse.GetValue(topics) ?? DefaultTopics, parse.GetValue(runFor), parse.GetValue(port)),
            context.Output, context.Error, context.Stop));
        return command;
    }

    private static int Whole(ArgumentResult r, int min, int max, string problem)
    {
        string text = r.Tokens[0].Value;
        if (TryParseInt(text, min, max, out int value))
        {
            return value;
        }
        r.AddError($"{problem}, not '{text}'.");
        return 0;
    }

    private static int Serve(Options options, TextWriter output, TextWriter error, CancellationToken stopToken)
    {
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
                error.WriteLine($"attribution broker: the embedded broker could not start: {e.Message}");
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
                    error.WriteLine($"attribution broker: {e.Message}");
                    return 1;
                }
                var forwarders = new List<TcpForwarder>();
                try
                {
                    if (options.Port is { } first && !PinPorts(cluster, first, forwarders, error))
                    {
                        return 1;
                    }
                    string bootstrap = options.Port is null ? cluster.BootstrapServers : string.Join(',', forwarders.Select(f => $"127.0.0.1:{f.Port}"));
                    output.WriteLine($"bootstrap: {bootstrap}");
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
                finally
                {
                    forwarders.ForEach(f => f.Dispose());
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

    // Broker i (the mock lists its brokers by id) gets a forwarder on first + i - 1 and advertises it, so every
    // connection, bootstrap or not, goes through the pinned ports.
    private static bool PinPorts(EmbeddedKafkaCluster cluster, int first, List<TcpForwarder> forwarders, TextWriter error)
    {
        string[] listeners = cluster.BootstrapServers.Split(',');
        for (int i = 0; i < listeners.Length; i++)
        {
            int port = first + i;
            var target = System.Net.IPEndPoint.Parse(listeners[i]);
            try
            {
                forwarders.Add(new TcpForwarder(port, target));
            }
            catch (System.Net.Sockets.SocketException e)
            {
                error.WriteLine($"attribution broker: port {port} cannot be listened on: {e.Message.TrimEnd('.')}.");
                return false;
            }
            cluster.AdvertiseBroker(i + 1, "127.0.0.1", port);
        }
        return true;
    }

    private sealed record Options(int Brokers, int Partitions, IReadOnlyList<string> Topics, int? RunForMs, int? Port);

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
