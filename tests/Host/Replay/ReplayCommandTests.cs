using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Attribution.Tests.Host.Replay;

/// <summary>Runs the real `attribution` binary, as a user would, and checks exit codes, files and messages.</summary>
[Category(TestCategories.Slow)]
public class ReplayCommandTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "attribution-replay-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    internal static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Attribution.Engine.sln")))
            {
                dir = dir.Parent;
            }
            return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
        }
    }

    internal static (int Exit, string Stdout, string Stderr) RunCli(string stdin, params string[] args)
    {
        var (exit, stdout, stderr, hung) = RunCliWithin(TimeSpan.FromSeconds(60), stdin, args);
        if (hung)
        {
            Assert.Fail("attribution did not finish within 60 s");
        }
        return (exit, stdout, stderr);
    }

    /// <summary>Runs the CLI; one that has not finished within <paramref name="limit"/> is killed and reported as hung (for tests that count hangs).</summary>
    internal static (int Exit, string Stdout, string Stderr, bool Hung) RunCliWithin(TimeSpan limit, string stdin, params string[] args)
    {
        string dll = Path.Combine(TestContext.CurrentContext.TestDirectory, "attribution.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            return (p.ExitCode, stdout.Result, stderr.Result, true);
        }
        return (p.ExitCode, stdout.Result, stderr.Result, false);
    }

    [Test]
    public void Replays_the_sample_file_with_dead_letters_and_a_summary()
    {
        string input = Path.Combine(RepoRoot, "samples", "events.jsonl");
        string output = Path.Combine(_dir, "out.jsonl");
        string bad = Path.Combine(_dir, "bad.jsonl");
        var (exit, _, stderr) = RunCli("", "replay", "--input", input, "--output", output, "--dead-letter", bad);
        Assert.That(exit, Is.EqualTo(0), stderr);

        var outLines = File.ReadAllLines(output);
        var badLines = File.ReadAllLines(bad);
        Assert.That(outLines, Is.Not.Empty);
        foreach (var line in outLines)
        {
            using var doc = JsonDocument.Parse(line);
            Assert.That(doc.RootElement.GetProperty("event_type").GetString(), Is.EqualTo("attributed_conversion"));
        }
        Assert.That(badLines, Is.Not.Empty);
        foreach (var line in badLines)
        {
            using var doc = JsonDocument.Parse(line);
            Assert.That(doc.RootElement.GetProperty("line").GetInt64(), Is.GreaterThan(0));
            Assert.That(doc.RootElement.GetProperty("reason").GetString(), Is.Not.Empty);
        }
        int inputLines = File.ReadAllLines(input).Count(l => l.Length > 0);
        Assert.That(stderr, Does.Contain("events read"));
        Assert.That(stderr, Does.Contain($"{inputLines:N0}"), "summary counts every input line");
        Assert.That(stderr, Does.Contain("events/s"));
    }

    [Test]
    public void Reads_stdin_and_writes_stdout_when_paths_are_omitted()
    {
        string stdin = """
            {"event_type":"click","event_id":"c-1","user_id":"user-123","campaign_id":"camp-789","ad_id":"ad-456","source":"facebook","timestamp":1678886400000,"metadata":{"geo":"US"}}
            {"event_type":"conversion","event_id":"v-1","user_id":"user-123","campaign_id":"camp-789","type":"purchase","value":19.99,"source":"ios_app","timestamp":1678890000000}

            """;
        var (exit, stdout, stderr) = RunCli(stdin, "replay", "--quiet");
        Assert.That(exit, Is.EqualTo(0), stderr);
        Assert.That(stdout.TrimEnd('\n'), Is.EqualTo(
            """{"event_type":"attributed_conversion","conversion_id":"v-1","click_id":"c-1","user_id":"user-123","ad_id":"ad-456","campaign_id":"camp-789","source":"facebook","conversion_type":"purchase","value":19.99,"click_time":1678886400000,"conversion_time":1678890000000,"attribution_window_hours":24}"""));
        Assert.That(stderr, Is.Empty, "--quiet prints no summary");
    }

    [Test]
    public void Window_flag_changes_the_result()
    {
        string stdin = """
            {"event_type":"click","event_id":"c-1","user_id":"u","campaign_id":"c","ad_id":"a","source":"s","timestamp":0}
            {"event_type":"conversion","event_id":"v-1","user_id":"u","campaign_id":"c","timestamp":7200000}

            """;
        Assert.That(RunCli(stdin, "replay", "--quiet").Stdout, Does.Contain("\"conversion_id\":\"v-1\""));
        Assert.That(RunCli(stdin, "replay", "--quiet", "--window-hours", "1").Stdout, Is.Empty);
    }

    [Test]
    public void Missing_input_file_exits_1_with_one_sentence()
    {
        var (exit, _, stderr) = RunCli("", "replay", "--input", Path.Combine(_dir, "nope.jsonl"));
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(stderr.Trim(), Does.EndWith("does not exist."));
        Assert.That(stderr.Trim().Split('\n'), Has.Length.EqualTo(1));
    }

    [TestCase("--window-hours", "-1")]
    [TestCase("--allowed-lateness", "ten")]
    [TestCase("--no-such-flag", "x")]
    public void Bad_flag_exits_2_with_one_sentence(string flag, string value)
    {
        var (exit, _, stderr) = RunCli("", "replay", flag, value);
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(stderr, Does.StartWith("attribution replay: "));
    }

    [Test]
    public void Help_describes_every_flag()
    {
        var (exit, stdout, _) = RunCli("", "replay", "--help");
        Assert.That(exit, Is.EqualTo(0));
        foreach (string flag in global::Attribution.Host.Replay.ReplayOptions.ValueFlags)
        {
            Assert.That(stdout, Does.Contain(flag));
        }
    }

    [Test]
    public void Default_run_replays_the_bundled_sample_and_ends_with_a_summary()
    {
        var (exit, _, stderr) = RunCli("");
        Assert.That(exit, Is.EqualTo(0), stderr);
        Assert.That(stderr, Does.Contain("summary"));
        Assert.That(stderr, Does.Contain("attributed"));
    }

    [Test]
    public void Every_rejected_line_is_dead_lettered_with_its_reason()
    {
        var sb = new StringBuilder();
        sb.Append("{\"event_type\":\"click\"\n");                                     // 1 invalid json
        sb.Append("[1,2]\n");                                                           // 2 not an object
        sb.Append("{\"event_type\":\"view\",\"event_id\":\"x\",\"user_id\":\"u\",\"campaign_id\":\"c\",\"timestamp\":1}\n"); // 3
        sb.Append("{\"event_type\":\"click\",\"event_id\":\"x\",\"user_id\":\"u\",\"campaign_id\":\"c\",\"timestamp\":1,\"source\":\"s\"}\n"); // 4 no ad_id
        string stdinPath = Path.Combine(_dir, "in.jsonl");
        var bytes = Encoding.UTF8.GetBytes(sb.ToString()).Concat(new byte[] { 0x7B, 0xFF, 0xFE, 0x7D, 0x0A }).ToArray(); // 5 invalid UTF-8
        File.WriteAllBytes(stdinPath, bytes);
        string bad = Path.Combine(_dir, "bad.jsonl");
        var (exit, _, stderr) = RunCli("", "replay", "--input", stdinPath, "--output", Path.Combine(_dir, "o.jsonl"), "--dead-letter", bad);
        Assert.That(exit, Is.EqualTo(0), stderr);
        var reasons = File.ReadAllLines(bad).Select(l => JsonDocument.Parse(l).RootElement)
            .Select(e => (e.GetProperty("line").GetInt64(), e.GetProperty("reason").GetString())).ToArray();
        Assert.That(reasons, Is.EqualTo(new (long, string?)[]
        {
            (1, "invalid_json"), (2, "not_an_object"), (3, "unknown_event_type"), (4, "missing_field"), (5, "invalid_utf8"),
        }));
        var invalid = JsonDocument.Parse(File.ReadAllLines(bad)[4]).RootElement;
        Assert.That(invalid.GetProperty("record_base64").GetBytesFromBase64(), Is.EqualTo(new byte[] { 0x7B, 0xFF, 0xFE, 0x7D }));
    }

    [Test]
    public void One_click_stamped_in_2100_in_a_single_partition_file_leaves_every_attribution_and_is_dead_lettered_as_clock_skew()
    {
        string input = Path.Combine(_dir, "skewed.jsonl");
        File.WriteAllLines(input, global::Attribution.Tests.Engine.Pipeline.EventTimeGuardEngineTests.OneFutureClickStream());
        string output = Path.Combine(_dir, "out.jsonl");
        string bad = Path.Combine(_dir, "bad.jsonl");
        var (exit, _, stderr) = RunCli("", "replay", "--input", input, "--output", output, "--dead-letter", bad, "--partitions", "1");
        Assert.That(exit, Is.EqualTo(0), stderr);
        Assert.That(File.ReadAllLines(output), Has.Length.EqualTo(400), "every conversion attributed");
        var letters = File.ReadAllLines(bad).Select(l => JsonDocument.Parse(l).RootElement)
            .Select(e => (e.GetProperty("line").GetInt64(), e.GetProperty("reason").GetString())).ToArray();
        Assert.That(letters, Is.EqualTo(new (long, string?)[] { (401, "clock_skew") }));
        Assert.That(stderr, Does.Contain("clock_skew"), "the summary counts the reason");

        // The guard's flags: with the forward check off (one confirmation) the 2100 click moves the partition's time again.
        (exit, _, stderr) = RunCli("", "replay", "--input", input, "--output", output, "--partitions", "1", "--clock-confirmations", "1");
        Assert.That(exit, Is.EqualTo(0), stderr);
        Assert.That(File.ReadAllLines(output), Is.Empty);
        (exit, _, stderr) = RunCli("", "replay", "--input", input, "--max-clock-skew", "1h");
        Assert.That(exit, Is.EqualTo(2));
        Assert.That(stderr, Does.StartWith("attribution replay: The maximum clock skew (3600000 ms) must be at least"));
    }
}
