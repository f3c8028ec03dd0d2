using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Attribution.Host.Observability;
using Attribution.Host.Run;
using Microsoft.Extensions.Logging;

namespace Attribution.Tests.Host.Observability;

/// <summary>The host's log through Microsoft.Extensions.Logging: the text and JSON forms, and the level threshold.</summary>
public class HostLoggingTests
{
    [Test]
    public void Text_lines_are_time_level_component_and_the_message()
    {
        using var writer = new StringWriter();
        var log = RunLog.Create(writer, LogLevel.Information, LogFormat.Text);
        var before = DateTimeOffset.UtcNow;
        log.Info("rebalance", "assigned partitions=0,1");
        log.Warn("stall", "thread=source stage=poll seconds=12");
        log.Error("run", "message=\"stop_not_finished seconds=20\"");

        string[] lines = Lines(writer);
        Assert.That(lines, Has.Length.EqualTo(3));
        var shape = new Regex(@"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (\S+) (\S+) (.*)$");
        var parts = lines.Select(l => shape.Match(l)).ToList();
        Assert.That(parts.Select(m => m.Success), Has.All.True, string.Join("\n", lines));
        Assert.That(parts.Select(m => m.Groups[2].Value), Is.EqualTo(new[] { "info", "warn", "error" }));
        Assert.That(parts.Select(m => m.Groups[3].Value), Is.EqualTo(new[] { "rebalance", "stall", "run" }));
        Assert.That(parts.Select(m => m.Groups[4].Value), Is.EqualTo(new[] { "assigned partitions=0,1", "thread=source stage=poll seconds=12", "message=\"stop_not_finished seconds=20\"" }));
        var time = DateTimeOffset.ParseExact(parts[0].Groups[1].Value, HostLogging.TimestampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        Assert.That(time, Is.GreaterThanOrEqualTo(before.AddMilliseconds(-1)).And.LessThanOrEqualTo(DateTimeOffset.UtcNow), "UTC time of the event");
        Assert.That(writer.ToString(), Does.Contain(" info rebalance ").And.Contain(" warn stall ").And.Contain(" error run "), "what scripts grep");
    }

    [Test]
    public void Json_lines_parse_with_level_category_message_and_the_fields()
    {
        using var writer = new StringWriter();
        var log = RunLog.Create(writer, LogLevel.Information, LogFormat.Json);
        log.Info("snapshot", "taken sequence=3 consumed=1200 bytes=4096 ms=15");
        log.Warn("shared_state", "unusable partition=2 file=\"/s/p2\" reason=\"The file is \"short\".\" (re-reading the input instead)");

        string[] lines = Lines(writer);
        Assert.That(lines, Has.Length.EqualTo(2), writer.ToString());
        using var first = JsonDocument.Parse(lines[0]);
        using var second = JsonDocument.Parse(lines[1]);
        var a = first.RootElement;
        Assert.That(a.GetProperty("LogLevel").GetString(), Is.EqualTo("Information"));
        Assert.That(a.GetProperty("Category").GetString(), Is.EqualTo("snapshot"));
        Assert.That(a.GetProperty("Message").GetString(), Is.EqualTo("taken sequence=3 consumed=1200 bytes=4096 ms=15"));
        Assert.That(DateTimeOffset.TryParseExact(a.GetProperty("Timestamp").GetString(), HostLogging.TimestampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _), Is.True);
        var state = a.GetProperty("State");
        Assert.That(state.GetProperty("event").GetString(), Is.EqualTo("taken"));
        Assert.That(state.GetProperty("consumed").GetInt64(), Is.EqualTo(1200));
        var b = second.RootElement;
        Assert.That(b.GetProperty("LogLevel").GetString(), Is.EqualTo("Warning"));
        Assert.That(b.GetProperty("Category").GetString(), Is.EqualTo("shared_state"));
        Assert.That(b.GetProperty("State").GetProperty("partition").GetInt64(), Is.EqualTo(2));
        Assert.That(b.GetProperty("State").GetProperty("file").GetString(), Is.EqualTo("/s/p2"));
        Assert.That(b.GetProperty("State").GetProperty("reason").GetString(), Is.EqualTo("The file is \"short\"."));
        Assert.That(b.GetProperty("State").GetProperty("note").GetString(), Is.EqualTo("(re-reading the input instead)"));
    }

    [TestCase(LogFormat.Text)]
    [TestCase(LogFormat.Json)]
    public void A_warning_threshold_drops_info_lines(LogFormat format)
    {
        using var writer = new StringWriter();
        var log = RunLog.Create(writer, LogLevel.Warning, format);
        log.Info("run", "started group=g");
        log.Warn("consumer", "close_failed reason=x");
        log.Error("run", "stopped message=\"y\"");

        string[] lines = Lines(writer);
        Assert.That(lines, Has.Length.EqualTo(2), writer.ToString());
        Assert.That(writer.ToString(), Does.Not.Contain("started"));
        Assert.That(writer.ToString(), Does.Contain("close_failed").And.Contain("stopped"));
    }

    [Test]
    public void Quiet_keeps_warnings_and_errors_only()
    {
        using var writer = new StringWriter();
        var log = new RunLog(writer, quiet: true);
        log.Info("run", "started group=g");
        log.Warn("consumer", "close_failed reason=x");
        Assert.That(Lines(writer), Has.Length.EqualTo(1));
        Assert.That(Lines(writer)[0], Does.Contain(" warn consumer close_failed reason=x"));
    }

    [Test]
    public void Librdkafka_warnings_and_errors_keep_their_level_and_its_notices_and_debug_lines_are_debug()
    {
        using var writer = new StringWriter();
        var log = RunLog.Create(writer, LogLevel.Trace, LogFormat.Text);
        log.Kafka(new Confluent.Kafka.LogMessage("rdkafka#producer-1", Confluent.Kafka.SyslogLevel.Notice, "CONF", "ignored"));
        log.Kafka(new Confluent.Kafka.LogMessage("rdkafka#producer-1", Confluent.Kafka.SyslogLevel.Debug, "CONNECT", "connecting"));
        log.Kafka(new Confluent.Kafka.LogMessage("rdkafka#producer-1", Confluent.Kafka.SyslogLevel.Warning, "TXN", "slow"));
        log.Kafka(new Confluent.Kafka.LogMessage("rdkafka#producer-1", Confluent.Kafka.SyslogLevel.Critical, "FATAL", "fenced"));
        string[] lines = Lines(writer);
        Assert.That(lines, Has.Length.EqualTo(4), writer.ToString());
        Assert.That(lines[0], Does.EndWith(" debug kafka client=rdkafka#producer-1 facility=CONF message=\"ignored\""));
        Assert.That(lines[1], Does.EndWith(" debug kafka client=rdkafka#producer-1 facility=CONNECT message=\"connecting\""), "debug=… output reaches the log");
        Assert.That(lines[2], Does.EndWith(" warn kafka client=rdkafka#producer-1 facility=TXN message=\"slow\""));
        Assert.That(lines[3], Does.EndWith(" error kafka client=rdkafka#producer-1 facility=FATAL message=\"fenced\""));

        using var quiet = new StringWriter();
        var information = RunLog.Create(quiet, LogLevel.Information, LogFormat.Text);
        information.Kafka(new Confluent.Kafka.LogMessage("rdkafka#producer-1", Confluent.Kafka.SyslogLevel.Debug, "CONNECT", "connecting"));
        Assert.That(quiet.ToString(), Is.Empty, "at the default level librdkafka's chatter stays out");
    }

    [Test]
    public void Lines_written_from_many_threads_stay_whole()
    {
        using var writer = new StringWriter();
        var log = RunLog.Create(writer, LogLevel.Information, LogFormat.Text);
        Parallel.For(0, 8, t =>
        {
            for (int i = 0; i < 200; i++)
            {
                log.Info($"c{t}", $"n={i} payload={new string('x', 64)}");
            }
        });
        string[] lines = Lines(writer);
        Assert.That(lines, Has.Length.EqualTo(1600));
        Assert.That(lines, Has.All.Match(@"^\S+Z info c\d n=\d+ payload=x{64}$"));
    }

    private static string[] Lines(StringWriter writer) => writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
