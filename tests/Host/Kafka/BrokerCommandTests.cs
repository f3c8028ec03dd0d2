using System.Diagnostics;
using System.Text.RegularExpressions;
using Attribution.Host.Commands;
using Confluent.Kafka;
using static Attribution.Tests.Host.Kafka.KafkaTestClients;

namespace Attribution.Tests.Host.Kafka;

/// <summary><c>attribution broker</c> (host/Commands/BrokerCommand.cs).</summary>
[Category(TestCategories.Slow)]
public class BrokerCommandTests
{
    [Test]
    public void Prints_the_bootstrap_line_first_and_exits_0_after_the_hidden_run_for_ms()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = BrokerCommand.Run(["--run-for-ms", "200", "--brokers", "2"], output, error);

        Assert.That(exit, Is.Zero, error.ToString());
        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0], Does.Match(@"^bootstrap: 127\.0\.0\.1:\d+,127\.0\.0\.1:\d+$"));
        Assert.That(lines[1], Is.EqualTo("topics: raw-events, attributed-events, attribution-dead-letter, attribution-by-user-repartition (8 partitions each)"));
        Assert.That(lines[^1], Is.EqualTo("broker stopped"));
        Assert.That(error.ToString(), Is.Empty);
    }

    [Test]
    public void Serves_the_requested_topics_to_a_client_until_stopped()
    {
        using var output = new LineSignallingWriter("bootstrap: ");
        using var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => BrokerCommand.Run(["--topics", "clicks,conversions", "--partitions", "3"], output, error, stop.Token));

        Assert.That(output.Seen.Wait(Patience), Is.True, $"bootstrap line printed; stderr: {error}");
        var bootstrap = output.MatchedLine!["bootstrap: ".Length..];
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build())
        {
            var topics = admin.GetMetadata(Patience).Topics.Where(t => !t.Topic.StartsWith("__", StringComparison.Ordinal))
                .ToDictionary(t => t.Topic, t => t.Partitions.Count);
            Assert.That(topics, Is.EquivalentTo(new Dictionary<string, int> { ["clicks"] = 3, ["conversions"] = 3 }));
        }
        Assert.That(run.IsCompleted, Is.False, "keeps running until told to stop");

        stop.Cancel();
        Assert.That(run.Wait(Patience), Is.True);
        Assert.That(run.Result, Is.Zero);
    }

    [TestCase(new[] { "--nope" }, "'--nope' is not a flag of 'broker'")]
    [TestCase(new[] { "--brokers" }, "The flag --brokers needs a value")]
    [TestCase(new[] { "--brokers", "0" }, "--brokers must be a whole number")]
    [TestCase(new[] { "--brokers", "two" }, "--brokers must be a whole number")]
    [TestCase(new[] { "--partitions", "-3" }, "--partitions must be a whole number")]
    [TestCase(new[] { "--topics", "a,,b" }, "--topics has a bad topic name ''")]
    [TestCase(new[] { "--topics", "a b" }, "--topics has a bad topic name 'a b'")]
    [TestCase(new[] { "--topics", "a,a" }, "--topics names 'a' twice")]
    [TestCase(new[] { "--run-for-ms", "soon" }, "--run-for-ms must be a whole number")]
    [TestCase(new[] { "--port", "0" }, "--port must be a whole number from 1 to 65535")]
    [TestCase(new[] { "--port", "65535", "--brokers", "2" }, "--port 65535 leaves no port for broker 2")]
    public void Bad_flags_give_one_sentence_on_stderr_and_exit_2(string[] args, string expected)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var clock = Stopwatch.StartNew();

        var exit = BrokerCommand.Run(args, output, error);

        Assert.That(exit, Is.EqualTo(2));
        Assert.That(output.ToString(), Is.Empty, "no broker was started");
        var lines = error.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1));
        Assert.That(lines[0], Does.StartWith("attribution broker: ").And.Contain(expected).And.EndWith("."));
        Assert.That(Regex.Count(lines[0], @"\.\s"), Is.Zero, "a single sentence");
        Assert.That(clock.Elapsed, Is.LessThan(Patience));
    }

    [Test]
    public void Port_pins_the_address_each_broker_advertises_and_records_flow_through_it()
    {
        int port = Attribution.Tests.Host.Run.RunTestKit.FreePorts(2);
        using var output = new LineSignallingWriter("bootstrap: ");
        using var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => BrokerCommand.Run(["--brokers", "2", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--topics", "pinned", "--partitions", "2"], output, error, stop.Token));
        Assert.That(output.Seen.Wait(Patience), Is.True, $"bootstrap line printed; stderr: {error}");
        Assert.That(output.MatchedLine, Is.EqualTo($"bootstrap: 127.0.0.1:{port},127.0.0.1:{port + 1}"));

        string bootstrap = $"127.0.0.1:{port}";
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build())
        {
            var brokers = admin.GetMetadata(Patience).Brokers.OrderBy(b => b.BrokerId).Select(b => (b.Host, b.Port));
            Assert.That(brokers, Is.EqualTo(new[] { ("127.0.0.1", port), ("127.0.0.1", port + 1) }), "metadata sends clients to the pinned ports");
        }
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = bootstrap, EnableIdempotence = true }).Build())
        {
            for (int p = 0; p < 2; p++)
            {
                producer.Produce(new TopicPartition("pinned", p), new Message<Null, string> { Value = $"through-{p}" });
            }
            Assert.That(producer.Flush(Patience), Is.Zero);
        }
        var config = new ConsumerConfig { BootstrapServers = bootstrap, GroupId = Unique("pinned"), AutoOffsetReset = AutoOffsetReset.Earliest };
        using (var consumer = new ConsumerBuilder<string, string>(config).Build())
        {
            consumer.Subscribe("pinned");
            var values = ReadAll(consumer, 2, TimeSpan.FromMilliseconds(300)).Select(r => r.Message.Value).Order();
            Assert.That(values, Is.EqualTo(new[] { "through-0", "through-1" }), "both brokers (both leaders) answer through their forwarders");
            consumer.Close();
        }
        stop.Cancel();
        Assert.That(run.Wait(Patience), Is.True);
        Assert.That(run.Result, Is.Zero, error.ToString());
    }

    [Test]
    public void A_port_in_use_exits_1_with_one_sentence()
    {
        var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
            using var output = new StringWriter();
            using var error = new StringWriter();
            int exit = BrokerCommand.Run(["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--run-for-ms", "100"], output, error);
            Assert.That(exit, Is.EqualTo(1));
            Assert.That(error.ToString().Trim(), Does.StartWith($"attribution broker: port {port} cannot be listened on: ").And.EndWith(".").And.Not.Contain("\n"));
            Assert.That(output.ToString(), Does.Not.Contain("bootstrap:"));
        }
        finally
        {
            taken.Stop();
        }
    }

    /// <summary>Collects output and signals when a line starting with a prefix is written.</summary>
    private sealed class LineSignallingWriter(string prefix) : StringWriter
    {
        private readonly Lock gate = new();

        public ManualResetEventSlim Seen { get; } = new(false);

        public string? MatchedLine { get; private set; }

        public override void WriteLine(string? value)
        {
            lock (gate)
            {
                base.WriteLine(value);
                if (MatchedLine is null && value is not null && value.StartsWith(prefix, StringComparison.Ordinal))
                {
                    MatchedLine = value;
                    Seen.Set();
                }
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) Seen.Dispose();
            base.Dispose(disposing);
        }
    }
}
