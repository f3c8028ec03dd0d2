using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Attribution.Tests.Host.Run;

namespace Attribution.Tests.Host.Demo;

/// <summary>
/// <c>attribution demo --metrics-port N</c> serves the status page like <c>run</c>: with the demo's own effective settings,
/// and a port it cannot open stops it at start with one sentence (it used to run on without the endpoint, silently).
/// </summary>
[Category(TestCategories.Slow)]
public class DemoMetricsPortTests
{
    [Test]
    public void A_metrics_port_in_use_stops_the_demo_at_start_with_a_sentence()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        using var demo = HostProcess.Start(["demo", "--events", "2000", "--rate", "1000", "--metrics-port", port.ToString(CultureInfo.InvariantCulture)]);
        int exit = demo.WaitForExit(TimeSpan.FromMinutes(2));
        TestContext.Out.WriteLine(demo.StderrText);
        Assert.That(exit, Is.EqualTo(2), "the demo's exit code");
        Assert.That(demo.StderrText, Does.Contain($"attribution demo: the metrics endpoint 127.0.0.1:{port} cannot be opened ("));
        Assert.That(demo.StderrText, Does.Not.Contain("generating"), "no traffic was generated");
    }

    [Test]
    public void The_demo_status_page_shows_the_demo_settings_with_their_sources()
    {
        int port = RunTestKit.FreePort();
        using var demo = HostProcess.Start(["demo", "--events", "40000", "--rate", "2000", "--seed", "77", "--metrics-port", port.ToString(CultureInfo.InvariantCulture)]);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        Dictionary<string, (string Value, string Source)>? settings = null;
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (settings is null && DateTime.UtcNow < deadline && !demo.HasExited)
        {
            try
            {
                using var doc = JsonDocument.Parse(http.GetStringAsync($"http://127.0.0.1:{port}/status.json").GetAwaiter().GetResult());
                settings = doc.RootElement.GetProperty("settings").EnumerateArray()
                    .ToDictionary(s => s.GetProperty("key").GetString()!, s => (s.GetProperty("value").GetString()!, s.GetProperty("source").GetString()!));
            }
            catch (HttpRequestException)
            {
                Thread.Sleep(200); // not listening yet
            }
        }
        demo.Kill();
        TestContext.Out.WriteLine(demo.StderrText);
        Assert.That(settings, Is.Not.Null, "/status.json answered while the demo ran");
        var shown = settings!;
        TestContext.Out.WriteLine(string.Join("\n", shown.Select(s => $"{s.Key}={s.Value.Value} ({s.Value.Source})")));
        Assert.That(shown["rate"], Is.EqualTo(("2000", "--rate")));
        Assert.That(shown["seed"], Is.EqualTo(("77", "--seed")));
        Assert.That(shown["events"], Is.EqualTo(("40000", "--events")));
    }
}
