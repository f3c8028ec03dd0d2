using System.Globalization;
using System.Text.Json;
using Attribution.Host;
using Attribution.Host.Cli;
using Attribution.Tests.Engine.Attribution;
using Attribution.Tests.Host.Run;
using static Attribution.Tests.Host.Run.RunTestKit;

namespace Attribution.Tests.Host.Snapshots;

/// <summary><c>attribution snapshot trigger</c> against a running host (the built apphost) on the embedded broker.</summary>
[NonParallelizable]
[Category(TestCategories.Slow)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class SnapshotTriggerTests
{
    [Test]
    public void Trigger_makes_a_running_host_snapshot_at_its_committed_offsets_and_the_snapshot_is_listed()
    {
        var kcat = FindKcat();
        var s = Generate(TestSeed.Get(), 2_000);
        string state = Path.Combine(Path.GetTempPath(), $"attribution-trigger-{Guid.NewGuid():N}");
        string socket = Path.Combine(state, "control.sock");
        try
        {
            using var cluster = StartCluster(s.Partitions);
            ProduceWithKcat(kcat, cluster, s, 0, s.Items.Count);
            var ends = Ends(s, s.Items.Count);
            // A day between periodic snapshots: any snapshot here is the triggered one.
            using var host = HostProcess.Start(HostArgs(cluster, s.Config, "trigger", "--state-dir", state, "--snapshot-interval", "24h", "--input-keying", "trust"), appHost: true);
            Assert.That(WaitForCommitted(cluster, ends, TimeSpan.FromSeconds(90), host), Is.True, () => host.StderrText);
            Assert.That(Cli("snapshot", "list", "--state-dir", state).Error, Does.Contain("holds no snapshots"));
            Assert.That(File.GetUnixFileMode(socket), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), "only the host's user reaches the socket");

            var (exit, output, error) = Cli("snapshot", "trigger", "--state-dir", state);
            TestContext.Out.WriteLine(error);
            Assert.That(exit, Is.Zero, () => error + "\n" + host.StderrText);
            long sequence = long.Parse(output.Trim(), CultureInfo.InvariantCulture);
            // The host logs the snapshot before it answers, but its logger writes in the background and the line reaches
            // this process through a reader thread: it may come a moment after the answer (seen once in CI).
            bool logged = SpinWait.SpinUntil(() => host.Stderr.Any(l => l.Contains($"snapshot taken sequence={sequence} ", StringComparison.Ordinal) && l.Contains("requested=true", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(10));
            Assert.That(logged, Is.True, () => host.StderrText);

            var list = Cli("snapshot", "list", "--state-dir", state);
            var row = list.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1];
            Assert.That(row.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], Is.EqualTo(sequence.ToString(CultureInfo.InvariantCulture)), list.Output);
            Assert.That(row, Does.EndWith("yes"));

            // Consistent like a periodic snapshot: every position it records is committed in the group, and it
            // covers every record consumed before the request (all of the input, committed above).
            var report = JsonDocument.Parse(Cli("snapshot", "inspect", "--state-dir", state, "--json").Output).RootElement;
            var committed = Committed(cluster, s.Partitions);
            var positions = report.GetProperty("positions").EnumerateArray().ToDictionary(p => p.GetProperty("partition").GetInt32(), p => p.GetProperty("position").GetInt64());
            for (int p = 0; p < s.Partitions; p++)
            {
                long lastEvent = Enumerable.Range(0, s.Items.Count).Where(i => s.Items[i].Partition == p && s.Items[i].Kind != SimKind.Malformed).Select(i => s.Offsets[i]).DefaultIfEmpty(-1).Max();
                long position = positions.GetValueOrDefault(p, -1);
                Assert.That(position, Is.GreaterThanOrEqualTo(lastEvent), $"partition {p}");
                Assert.That(position + 1, Is.LessThanOrEqualTo(committed[p]), $"partition {p}: the snapshot holds uncommitted input");
            }

            host.Terminate();
            Assert.That(host.WaitForExit(TimeSpan.FromSeconds(60)), Is.Zero, () => host.StderrText);
            Assert.That(File.Exists(socket), Is.False, "the socket is removed at stop");
            var after = Cli("snapshot", "trigger", "--state-dir", state);
            Assert.That(after.Exit, Is.EqualTo(1));
            Assert.That(after.Error.Trim(), Does.StartWith("attribution snapshot trigger: No 'attribution run' host is serving the state directory"));

            // A SIGKILLed host leaves its socket file: the next trigger says so, and the next start replaces it.
            using (var killed = HostProcess.Start(HostArgs(cluster, s.Config, "trigger", "--state-dir", state, "--snapshot-interval", "24h", "--input-keying", "trust"), appHost: true))
            {
                Assert.That(SpinWait.SpinUntil(() => killed.Stderr.Any(l => l.Contains("control listening", StringComparison.Ordinal)) || killed.HasExited, TimeSpan.FromSeconds(60)), Is.True);
                killed.Kill();
            }
            Assert.That(File.Exists(socket), Is.True, "SIGKILL leaves the socket file");
            var stale = Cli("snapshot", "trigger", "--state-dir", state);
            Assert.That(stale.Exit, Is.EqualTo(1));
            Assert.That(stale.Error.Trim(), Does.EndWith("(its control.sock is left from a host that did not stop cleanly)."));
            using var restarted = HostProcess.Start(HostArgs(cluster, s.Config, "trigger", "--state-dir", state, "--snapshot-interval", "24h", "--input-keying", "trust"), appHost: true);
            Assert.That(SpinWait.SpinUntil(() => restarted.Stderr.Any(l => l.Contains("control listening", StringComparison.Ordinal)) || restarted.HasExited, TimeSpan.FromSeconds(60)), Is.True);
            var again = Cli("snapshot", "trigger", "--state-dir", state);
            Assert.That(again.Exit, Is.Zero, () => again.Error + "\n" + restarted.StderrText);
            Assert.That(long.Parse(again.Output.Trim(), CultureInfo.InvariantCulture), Is.GreaterThan(sequence));
        }
        finally
        {
            if (Directory.Exists(state))
            {
                Directory.Delete(state, recursive: true);
            }
        }
    }

    private static (int Exit, string Output, string Error) Cli(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = CliApp.Run(args, new CliContext(new Dictionary<string, string>(), output, error, CancellationToken.None));
        return (exit, output.ToString(), error.ToString());
    }
}
