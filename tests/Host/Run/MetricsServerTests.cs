using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using Attribution.Host.Run;

namespace Attribution.Tests.Host.Run;

/// <summary>
/// The metrics server in-process, against a pipeline that never runs: its endpoints, its address, and the limits
/// that keep a client from exhausting the host (connections, request sizes, idle time).
/// </summary>
[NonParallelizable]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "[TearDown] disposes the server and the pipeline of each test.")]
public class MetricsServerTests
{
    /// <summary>Beyond a timeout, how long the server may take to act on it (Kestrel checks timeouts once a second).</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(4);

    private KafkaPipeline _pipeline = null!;
    private MetricsServer _server = null!;
    private int _port;

    [SetUp]
    public void Start()
    {
        _pipeline = new KafkaPipeline(new RunOptions { BootstrapServers = "127.0.0.1:1" }, new RunLog(TextWriter.Null));
        _port = RunTestKit.FreePort();
        _server = MetricsServer.TryStart(IPAddress.Loopback, _port, _pipeline, new RunLog(TextWriter.Null), out string? problem)
            ?? throw new InvalidOperationException($"the metrics server did not start: {problem}");
    }

    [TearDown]
    public void Stop()
    {
        _server.Dispose();
        _pipeline.Dispose();
    }

    [Test]
    public void Metrics_health_and_unknown_paths_answer_as_before()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var metrics = http.GetAsync($"http://127.0.0.1:{_port}/metrics").GetAwaiter().GetResult();
        Assert.That((int)metrics.StatusCode, Is.EqualTo(200));
        Assert.That(metrics.Content.Headers.ContentType!.ToString(), Is.EqualTo("text/plain; version=0.0.4; charset=utf-8"));
        Assert.That(metrics.Content.ReadAsStringAsync().GetAwaiter().GetResult(), Does.Contain("\nattribution_up 1\n"));

        var health = http.GetAsync($"http://127.0.0.1:{_port}/health").GetAwaiter().GetResult();
        Assert.That((int)health.StatusCode, Is.EqualTo(503), "not ready before partitions are assigned");
        Assert.That(health.Content.ReadAsStringAsync().GetAwaiter().GetResult(), Is.EqualTo("starting: not yet assigned partitions\n"));

        var other = http.GetAsync($"http://127.0.0.1:{_port}/status.html").GetAwaiter().GetResult();
        Assert.That((int)other.StatusCode, Is.EqualTo(404));
        Assert.That(other.Content.ReadAsStringAsync().GetAwaiter().GetResult(), Is.EqualTo("not found: try /, /metrics, /health/live or /health/ready\n"));
    }

    [Test]
    public void A_starting_host_is_live_but_not_ready_and_serves_its_status_page()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        AssertAnswer(http, "/health/live", 200, "alive\n");
        AssertAnswer(http, "/health/ready", 503, "starting: not yet joined the consumer group\n");
        var page = http.GetAsync($"http://127.0.0.1:{_port}/").GetAwaiter().GetResult();
        Assert.That((int)page.StatusCode, Is.EqualTo(200));
        Assert.That(page.Content.Headers.ContentType!.ToString(), Is.EqualTo("text/html; charset=utf-8"));
        Assert.That(page.Content.ReadAsStringAsync().GetAwaiter().GetResult(), Does.Contain("<script src=\"/status.js\"></script>"));
        foreach (string asset in new[] { "/status.js", "/status.css" })
        {
            Assert.That((int)http.GetAsync($"http://127.0.0.1:{_port}{asset}").GetAwaiter().GetResult().StatusCode, Is.EqualTo(200), asset);
        }
        using var status = System.Text.Json.JsonDocument.Parse(http.GetStringAsync($"http://127.0.0.1:{_port}/status.json").GetAwaiter().GetResult());
        Assert.That(status.RootElement.GetProperty("live").GetBoolean(), Is.True);
        Assert.That(status.RootElement.GetProperty("ready").GetBoolean(), Is.False);
        Assert.That(status.RootElement.GetProperty("partitions").GetArrayLength(), Is.Zero);
    }

    [Test]
    public void A_failed_host_is_neither_live_nor_ready()
    {
        // Nothing listens on port 1: the run stops with its sentence (the cluster check), as a failed host does.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        Assert.That(_pipeline.Run(stop.Token), Is.EqualTo(1));
        Assert.That(_pipeline.FatalError, Is.Not.Null);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        string failed = $"failed: {_pipeline.FatalError}\n";
        AssertAnswer(http, "/health/live", 503, failed);
        AssertAnswer(http, "/health/ready", 503, failed);
        AssertAnswer(http, "/health", 503, failed);
    }

    private void AssertAnswer(HttpClient http, string path, int status, string body)
    {
        var response = http.GetAsync($"http://127.0.0.1:{_port}{path}").GetAwaiter().GetResult();
        Assert.That((int)response.StatusCode, Is.EqualTo(status), path);
        Assert.That(response.Content.ReadAsStringAsync().GetAwaiter().GetResult(), Is.EqualTo(body), path);
    }

    [Test]
    public void The_default_address_is_loopback_only()
    {
        var options = global::Attribution.Host.Run.RunOptionsReader.Read(["--bootstrap-servers", "x:1"], new Dictionary<string, string>());
        Assert.That(options.MetricsAddress, Is.EqualTo(IPAddress.Loopback));
        // 127.0.0.2 is this machine too, but not the address the server is bound to; a wildcard bind would accept it.
        using (var ok = new TcpClient())
        {
            ok.Connect(IPAddress.Loopback, _port);
        }
        using var other = new TcpClient();
        var e = Assert.Throws<SocketException>(() => other.Connect(IPAddress.Parse("127.0.0.2"), _port));
        Assert.That(e!.SocketErrorCode, Is.EqualTo(SocketError.ConnectionRefused));
    }

    [Test]
    public void A_connection_that_sends_nothing_is_closed_after_the_keep_alive_timeout()
    {
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, _port);
        var clock = Stopwatch.StartNew();
        Assert.That(ReadUntilClosed(client, MetricsServer.KeepAliveTimeout + Slack), Is.True, "the server closed the idle connection");
        TestContext.Out.WriteLine($"closed after {clock.Elapsed.TotalSeconds:F1} s");
        Assert.That(clock.Elapsed, Is.GreaterThan(MetricsServer.KeepAliveTimeout - TimeSpan.FromSeconds(1)), "closed by the timeout, not at once");
    }

    [Test]
    public void Headers_sent_a_byte_at_a_time_are_cut_at_the_request_headers_timeout()
    {
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, _port);
        var stream = client.GetStream();
        stream.Write("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: "u8);
        var clock = Stopwatch.StartNew();
        bool cut = false;
        while (clock.Elapsed < MetricsServer.RequestHeadersTimeout + Slack && !cut)
        {
            try
            {
                stream.Write("a"u8);
                Thread.Sleep(250);
                cut = client.Client.Poll(0, SelectMode.SelectRead);
            }
            catch (IOException)
            {
                cut = true;
            }
        }
        TestContext.Out.WriteLine($"cut after {clock.Elapsed.TotalSeconds:F1} s");
        Assert.That(cut, Is.True, "a request whose headers never end is cut");
    }

    [TestCase(MetricsServer.MaxRequestLineBytes, 414, TestName = "A_request_line_over_the_limit_gets_414")]
    [TestCase(-1, 431, TestName = "Request_headers_over_the_limit_get_431")]
    public void Oversized_requests_are_refused(int pathBytes, int status)
    {
        string request = pathBytes > 0
            ? $"GET /{new string('a', pathBytes)} HTTP/1.1\r\nHost: x\r\n\r\n"
            : $"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: {new string('a', MetricsServer.MaxRequestHeadersBytes)}\r\n\r\n";
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, _port);
        client.ReceiveTimeout = 10_000;
        var stream = client.GetStream();
        stream.Write(Encoding.ASCII.GetBytes(request));
        var buffer = new byte[256];
        int n = stream.Read(buffer);
        Assert.That(Encoding.ASCII.GetString(buffer, 0, n), Does.StartWith($"HTTP/1.1 {status} "));
    }

    [Test]
    public void Past_the_connection_limit_the_connection_idle_the_longest_is_closed_and_metrics_still_answer()
    {
        const int extra = 50;
        var clients = new List<TcpClient>();
        try
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < MetricsServer.ConnectionLimit + extra; i++)
            {
                var c = new TcpClient();
                c.Connect(IPAddress.Loopback, _port);
                clients.Add(c);
            }
            using (var http = new HttpClient { Timeout = MetricsServer.RequestHeadersTimeout })
            {
                Assert.That((int)http.GetAsync($"http://127.0.0.1:{_port}/metrics").GetAwaiter().GetResult().StatusCode, Is.EqualTo(200));
            }
            var answered = clock.Elapsed;
            // The oldest are closed at once, to make room; the newest stay open (until their idle timeout). Accepted
            // connections reach the limit on pool threads, so under load neighbours may swap places: the closed ones must
            // all be among the older half, and the newest stay open.
            Thread.Sleep(500);
            var closed = Enumerable.Range(0, clients.Count).Where(i => IsClosed(clients[i])).ToList();
            int newestOpen = clients.TakeLast(extra).Count(c => !IsClosed(c));
            TestContext.Out.WriteLine($"{clients.Count} idle connections and a scrape in {answered.TotalMilliseconds:F0} ms; closed at limit: {_server.ConnectionsClosedAtLimit}; closed: {closed.Count}, the newest of them #{(closed.Count == 0 ? -1 : closed.Max())}; newest {extra}: {newestOpen} open, checked {clock.Elapsed.TotalSeconds:F1} s after the first");
            Assert.That(clock.Elapsed, Is.LessThan(MetricsServer.KeepAliveTimeout), "the check ran before the idle timeout could free anything");
            Assert.That(_server.ConnectionsClosedAtLimit, Is.EqualTo(extra + 1), "the extra idle ones and one more for the scrape");
            Assert.That(closed, Has.Count.EqualTo(extra + 1), "every connection closed at the limit is one of the idle clients");
            Assert.That(closed, Has.All.LessThan(clients.Count / 2), "the ones closed are the ones idle the longest");
            Assert.That(newestOpen, Is.EqualTo(extra));
        }
        finally
        {
            foreach (var c in clients)
            {
                c.Dispose();
            }
        }
    }

    // True when the peer has closed (end of stream or reset): readable with nothing to read.
    private static bool IsClosed(TcpClient client)
    {
        try
        {
            return client.Client.Poll(0, SelectMode.SelectRead) && client.Client.Available == 0;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    // True when the peer closed (end of stream or reset) within the timeout.
    private static bool ReadUntilClosed(TcpClient client, TimeSpan timeout)
    {
        client.ReceiveTimeout = (int)timeout.TotalMilliseconds;
        var buffer = new byte[1024];
        try
        {
            while (true)
            {
                if (client.GetStream().Read(buffer) == 0)
                {
                    return true;
                }
            }
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut })
        {
            return false;
        }
        catch (IOException)
        {
            return true; // reset
        }
    }
}
