using System.Diagnostics;

namespace Attribution.Tests.Host.Observability;

/// <summary>
/// Debian's <c>chromium</c> in headless mode, as a browser a user would open: renders a page, runs its scripts for a
/// span of virtual time, then prints the resulting DOM or saves a screenshot. A fresh profile directory per call.
/// </summary>
internal static class HeadlessChromium
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    /// <summary>The browser on PATH; a missing one fails the test (never a skip: the status page must be seen).</summary>
    public static string Find()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in new[] { "chromium", "chromium-browser" })
            {
                string candidate = Path.Combine(dir, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        throw new AssertionException("chromium is not installed (the status page is tested in a real browser); install it with `apt-get install -y chromium` or `bash scripts/install-deps.sh`.");
    }

    /// <summary>The DOM of <paramref name="url"/> after its scripts ran for <paramref name="virtualMs"/> of virtual time.</summary>
    public static string DumpDom(string url, int virtualMs) => Run(url, virtualMs, "--dump-dom");

    /// <summary>Saves a PNG screenshot of <paramref name="url"/> at <paramref name="width"/>×<paramref name="height"/>.</summary>
    public static void Screenshot(string url, int virtualMs, string png, int width, int height)
    {
        Run(url, virtualMs, $"--screenshot={png}", $"--window-size={width},{height}");
        Assert.That(File.Exists(png), Is.True, $"chromium wrote no screenshot to {png}");
    }

    private static string Run(string url, int virtualMs, params string[] extra)
    {
        string profile = Directory.CreateTempSubdirectory("attribution-chromium-").FullName;
        try
        {
            var start = new ProcessStartInfo(Find()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                $"--user-data-dir={profile}", $"--virtual-time-budget={virtualMs}" }.Concat(extra).Append(url))
            {
                start.ArgumentList.Add(a);
            }
            using var process = Process.Start(start) ?? throw new AssertionException("chromium could not be started");
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(Limit))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"chromium did not finish within {Limit.TotalSeconds:F0} s");
            }
            process.WaitForExit();
            Assert.That(process.ExitCode, Is.Zero, () => $"chromium exited {process.ExitCode}: {stderr.Result}");
            return stdout.Result;
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }
}
