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
