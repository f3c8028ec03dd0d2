using System.Diagnostics;
using Confluent.Kafka;
using static Attribution.Tests.Host.Kafka.KafkaTestClients;

namespace Attribution.Tests.Host.Kafka;

/// <summary>
/// A client that is not ours (kcat, with the system librdkafka, in another process) talks to the
/// embedded broker. CI installs kcat (<c>apt-get install -y kcat</c>); without it these are ignored.
/// </summary>
[Category(TestCategories.Slow)]
public class KcatInteropTests
{
    [Test]
    public void Records_produced_with_kcat_are_read_by_Confluent_Kafka()
    {
        var kcat = FindKcat();
        using var cluster = StartCluster();
        cluster.CreateTopic("from-kcat", 2);

        var lines = Enumerable.Range(0, 50).Select(i => $"key-{i % 5}:value-{i}").ToArray();
        var (exit, _, stderr) = RunKcat(kcat, ["-b", cluster.BootstrapServers, "-t", "from-kcat", "-P", "-K", ":"], string.Join('\n', lines) + "\n");
        Assert.That(exit, Is.Zero, $"kcat -P failed: {stderr}");

        var records = ReadTopic(cluster, "from-kcat", lines.Length);
        Assert.That(records.Select(r => $"{r.Message.Key}:{r.Message.Value}").Order(), Is.EqualTo(lines.Order()));
    }

    [Test]
    public void Records_produced_with_Confluent_Kafka_are_read_by_kcat()
    {
        var kcat = FindKcat();
        using var cluster = StartCluster();
        cluster.CreateTopic("to-kcat", 1);
        using (var producer = new ProducerBuilder<string, string>(Producer(cluster)).Build())
        {
            for (var i = 0; i < 20; i++) producer.Produce("to-kcat", new Message<string, string> { Key = $"k{i}", Value = $"v{i}" });
            Assert.That(producer.Flush(Patience), Is.Zero);
        }

        // -e: exit at the end of the partition; -o beginning: from offset 0.
        var (exit, stdout, stderr) = RunKcat(kcat, ["-b", cluster.BootstrapServers, "-t", "to-kcat", "-C", "-o", "beginning", "-e", "-f", "%k=%s\\n"], null);
        Assert.That(exit, Is.Zero, $"kcat -C failed: {stderr}");
        var expected = Enumerable.Range(0, 20).Select(i => $"k{i}=v{i}");
        Assert.That(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(expected));
    }

    private static string FindKcat() => TestPrerequisite.Kcat();

    private static (int Exit, string Stdout, string Stderr) RunKcat(string kcat, string[] args, string? stdin)
    {
        var start = new ProcessStartInfo(kcat)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        if (!process.WaitForExit(Patience))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"kcat did not finish within {Patience.TotalSeconds} s; stderr: {stderr.Result}");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
