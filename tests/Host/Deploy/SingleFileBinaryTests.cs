using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Confluent.Kafka;

namespace Attribution.Tests.Host.Deploy;

/// <summary>
/// The deployable artifact: the single file of <c>dotnet publish host -c Release -r linux-x64</c>, copied alone into an
/// empty directory, runs <c>demo</c>, <c>replay</c>, <c>broker</c> and <c>run</c> there (its native libraries come out of
/// the file). Published once for the fixture: a publish takes about a minute.
/// </summary>
[TestFixture]
[Category(TestCategories.Slow)]
public sealed partial class SingleFileBinaryTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);
    private SingleFileBinary? _binary;

    private SingleFileBinary Binary => _binary ?? throw new InvalidOperationException("published in OneTimeSetUp");

    [OneTimeSetUp]
    public void PublishOnce()
    {
        _binary = SingleFileBinary.Publish(RepoFiles.Root, TimeSpan.FromMinutes(10));
        TestContext.Progress.WriteLine($"single-file publish took {Binary.PublishTime.TotalSeconds:F0} s; {new FileInfo(Binary.Path).Length / 1_000_000} MB");
    }

    [OneTimeTearDown]
    public void Clean() => _binary?.Dispose();

    [GeneratedRegex(@"│ attributed conversions produced\s+│\s+([\d,]+) │")]
    private static partial Regex ProducedRow();

    [Test]
    public void Copied_alone_the_binary_runs_the_demo_and_writes_its_attributions()
    {
        int seed = TestSeed.Get();
        string output = Path.Combine(Binary.Root, "demo-out.jsonl");
        var clock = Stopwatch.StartNew();
        var (code, text) = SingleFileBinary.RunToEnd(Binary.StartInfo("demo", "--events", "3000", "--rate", "0", "--partitions", "2", "--shards", "1",
            "--seed", seed.ToString(CultureInfo.InvariantCulture), "--output-file", output), Patience);
        TestContext.Progress.WriteLine($"demo from the copied binary: {clock.Elapsed.TotalSeconds:F1} s");

        Assert.That(code, Is.Zero, text);
        var produced = ProducedRow().Match(text);
        Assert.That(produced.Success, Is.True, $"the demo's summary has no 'attributed conversions produced' row:\n{text}");
        int count = int.Parse(produced.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        string[] lines = File.ReadAllLines(output);
        Assert.That(count, Is.GreaterThan(0), text);
        Assert.That(lines, Has.Length.EqualTo(count), "every attribution the summary counts is in the output file");
        Assert.That(lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("event_type").GetString()), Is.All.EqualTo("attributed_conversion"));
        AssertNativesCameFromTheFile();
    }

    [Test]
    public void Copied_alone_the_binary_replays_a_file()
    {
        string dir = Path.Combine(Binary.Root, "replay");
        Directory.CreateDirectory(dir);
        string input = Path.Combine(dir, "events.jsonl");
        File.WriteAllLines(input,
        [
            """{"event_type":"click","event_id":"c-1","user_id":"u-1","campaign_id":"k-1","ad_id":"a-1","source":"google","timestamp":1678886400000}""",
            """{"event_type":"click","event_id":"c-2","user_id":"u-2","campaign_id":"k-1","ad_id":"a-2","source":"tiktok","timestamp":1678886500000}""",
            """{"event_type":"conversion","event_id":"v-1","user_id":"u-1","campaign_id":"k-1","type":"purchase","value":19.99,"timestamp":1678890000000}""",
            """{"event_type":"conversion","event_id":"v-2","user_id":"u-3","campaign_id":"k-1","type":"purchase","value":5,"timestamp":1678890000000}""",
            """{"event_type":"conversion","event_id":"v-3","user_id":"u-2","campaign_id":"k-1","type":"signup","timestamp":1678890100000}""",
            """{broken""",
        ]);
        string output = Path.Combine(dir, "out.jsonl");
        string deadLetters = Path.Combine(dir, "dead.jsonl");

        var (code, text) = SingleFileBinary.RunToEnd(Binary.StartInfo("replay", "--input", input, "--output", output, "--dead-letter", deadLetters, "--shards", "1"), Patience);

        Assert.That(code, Is.Zero, text);
        var pairs = File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement)
            .Select(a => $"{a.GetProperty("conversion_id").GetString()}<-{a.GetProperty("click_id").GetString()}").Order(StringComparer.Ordinal);
        Assert.That(pairs, Is.EqualTo(new[] { "v-1<-c-1", "v-3<-c-2" }), "v-2's user never clicked");
        string[] dead = File.ReadAllLines(deadLetters);
        Assert.That(dead, Has.Length.EqualTo(1));
        Assert.That(JsonDocument.Parse(dead[0]).RootElement.GetProperty("line").GetInt32(), Is.EqualTo(6));
    }

    [Test]
    public void Copied_alone_the_binary_runs_the_kafka_host_against_its_own_broker()
    {
        const int Users = 40;
        string stateDir = Path.Combine(Binary.Root, "run-state");
        using var broker = Binary.Start("broker", "--partitions", "2");
        string bootstrap = broker.WaitForLine("bootstrap: ", Patience)["bootstrap: ".Length..].Trim();

        int undelivered = 0;
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = bootstrap, Acks = Acks.All, EnableIdempotence = true }).Build())
        {
            void Sent(DeliveryReport<string, string> report)
            {
                if (report.Error.IsError)
                {
                    Interlocked.Increment(ref undelivered);
                }
            }

            for (int u = 0; u < Users; u++)
            {
                string user = $"user-{u}";
                long t = 1_678_886_400_000 + u * 1000L;
                producer.Produce("raw-events", new Message<string, string> { Key = user, Value =
                    $$"""{"event_type":"click","event_id":"c-{{u}}","user_id":"{{user}}","campaign_id":"k","ad_id":"a","source":"s","timestamp":{{t}}}""" }, Sent);
                producer.Produce("raw-events", new Message<string, string> { Key = user, Value =
                    $$"""{"event_type":"conversion","event_id":"v-{{u}}","user_id":"{{user}}","campaign_id":"k","type":"purchase","timestamp":{{t + 60_000}}}""" }, Sent);
            }
            Assert.That(producer.Flush(TimeSpan.FromSeconds(30)), Is.Zero, "the input was sent");
            Assert.That(undelivered, Is.Zero, "every input record was delivered");
        }

        var host = Binary.StartInfo("run", "--bootstrap-servers", bootstrap, "--host-id", "single-file", "--state-dir", stateDir, "--shards", "1",
            "--commit-interval", "50ms");
        // The embedded broker drops offsets sent in a transaction; the switch stores them once more (TestBrokerSwitch).
        host.Environment["ATTRIBUTION_TEST_BROKER"] = "1";
        var clock = Stopwatch.StartNew();
        using var run = new SingleFileProcess(host);

        var attributions = new List<string>();
        using (var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
               {
                   BootstrapServers = bootstrap, GroupId = "single-file-reader", AutoOffsetReset = AutoOffsetReset.Earliest,
                   EnableAutoCommit = false, IsolationLevel = IsolationLevel.ReadCommitted,
               }).Build())
        {
            consumer.Subscribe("attributed-events");
            while (attributions.Count < Users && clock.Elapsed < Patience)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } r)
                {
                    attributions.Add(r.Message.Value);
                }
            }
            consumer.Close();
        }
        TestContext.Progress.WriteLine($"run from the copied binary: {Users} attributions after {clock.Elapsed.TotalSeconds:F1} s");

        var pairs = attributions.Select(a => JsonDocument.Parse(a).RootElement)
            .Select(a => $"{a.GetProperty("conversion_id").GetString()}<-{a.GetProperty("click_id").GetString()}").Order(StringComparer.Ordinal);
        Assert.That(pairs, Is.EqualTo(Enumerable.Range(0, Users).Select(u => $"v-{u}<-c-{u}").Order(StringComparer.Ordinal)), run.Text);
        Assert.That(run.Terminate(TimeSpan.FromSeconds(60)), Is.Zero, $"run stops cleanly on SIGTERM:\n{run.Text}");
        Assert.That(broker.Terminate(TimeSpan.FromSeconds(60)), Is.Zero, $"broker stops cleanly on SIGTERM:\n{broker.Text}");
        Assert.That(Directory.EnumerateFileSystemEntries(stateDir), Is.Not.Empty, "run kept its state in --state-dir");
        AssertNativesCameFromTheFile();
    }

    // The copy's directory still holds only the binary, and librdkafka was extracted from it (nothing came from NuGet's cache).
    private void AssertNativesCameFromTheFile()
    {
        Assert.That(Directory.GetFileSystemEntries(Path.GetDirectoryName(Binary.Path)!).Select(Path.GetFileName), Is.EqualTo(new[] { "attribution" }));
        Assert.That(Directory.EnumerateFiles(Binary.ExtractionDirectory, "*librdkafka.so", SearchOption.AllDirectories), Is.Not.Empty,
            "librdkafka was extracted from the single file");
    }
}
