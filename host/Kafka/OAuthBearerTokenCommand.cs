using System.Diagnostics;
using System.Text.Json;
using Attribution.Host.Run;
using Confluent.Kafka;

namespace Attribution.Host.Kafka;

/// <summary>
/// The OAUTHBEARER token-refresh hook (<c>--oauthbearer-token-command</c>): when librdkafka needs a token (at start
/// and at 80 % of the last one's lifetime) it runs the command with <c>/bin/sh -c</c> and hands librdkafka the token it
/// prints as <c>{"token":"…","expiry_ms":&lt;epoch ms&gt;,"principal":"…"}</c> (principal optional). AWS MSK IAM's
/// signer libraries print exactly a token and its expiry. A failing command is logged and reported to librdkafka,
/// which retries and keeps the connection failing, rather than stopping the host.
/// </summary>
public sealed class OAuthBearerTokenCommand(string command, RunLog log)
{
    /// <summary>How long the command may run.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>The principal set when the command prints none (librdkafka requires one; brokers using IAM ignore it).</summary>
    public const string DefaultPrincipal = "attribution";

    /// <summary>Runs the command and sets the client's token (or reports the failure); librdkafka's refresh callback.</summary>
    public void Refresh(IClient client, string oauthbearerConfig)
    {
        ArgumentNullException.ThrowIfNull(client);
        var (token, problem) = Run();
        if (token is { } t)
        {
            try
            {
                client.OAuthBearerSetToken(t.Value, t.ExpiryMs, t.Principal);
                log.Info("kafka", $"client={client.Name} message=\"oauthbearer token set\" expires_ms={t.ExpiryMs}");
                return;
            }
            catch (KafkaException e)
            {
                problem = $"librdkafka refused the token: {e.Error.Reason}";
            }
        }
        log.Error("kafka", $"client={client.Name} message=\"oauthbearer token command failed: {problem}\"");
        client.OAuthBearerSetTokenFailure(problem!);
    }

    /// <summary>The token the command prints, or why there is none.</summary>
    public ((string Value, long ExpiryMs, string Principal)? Token, string? Problem) Run()
    {
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (null, $"it cannot be started ({e.Message})");
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                return (null, $"it did not finish within {Timeout.TotalSeconds:F0} s");
            }
            if (process.ExitCode != 0)
            {
                string err = stderr.Result.Trim();
                return (null, $"it exited with {process.ExitCode}{(err.Length > 0 ? ": " + err.Split('\n')[^1] : "")}");
            }
            return Parse(stdout.Result);
        }
    }

    /// <summary>Reads the command's output.</summary>
    public static ((string Value, long ExpiryMs, string Principal)? Token, string? Problem) Parse(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        const string shape = "it must print a JSON object with token and expiry_ms (epoch ms)";
        try
        {
            using var doc = JsonDocument.Parse(output);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("token", out var token) && token.ValueKind == JsonValueKind.String
                && token.GetString() is { Length: > 0 } value
                && root.TryGetProperty("expiry_ms", out var expiry) && expiry.TryGetInt64(out long expiryMs))
            {
                string principal = root.TryGetProperty("principal", out var p) && p.GetString() is { Length: > 0 } name ? name : DefaultPrincipal;
                return expiryMs <= DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()
                    ? (null, $"the token it printed expired at {expiryMs} (epoch ms)")
                    : ((value, expiryMs, principal), null);
            }
        }
        catch (JsonException)
        {
        }
        return (null, shape);
    }
}
