using System.Diagnostics;

namespace Attribution.Tests.Host.Deploy;

/// <summary>
/// The deployable binary: <c>dotnet publish host -c Release -r linux-x64</c> (the documented command) run once, its
/// one output file copied alone into an empty directory, and processes started from that copy with an environment
/// that holds nothing of this machine's .NET (no dotnet on PATH, no DOTNET_ROOT) and a fresh bundle extraction
/// directory, so every native library it loads comes out of the file itself.
/// </summary>
internal sealed class SingleFileBinary : IDisposable
{
    private SingleFileBinary(string root, string path, TimeSpan publishTime)
    {
        Root = root;
        Path = path;
        PublishTime = publishTime;
    }

    /// <summary>The temporary directory holding the publish output, the copy and the processes' working files.</summary>
    public string Root { get; }

    /// <summary>The copied binary.</summary>
    public string Path { get; }

    /// <summary>Where the binary extracts its bundled native libraries (DOTNET_BUNDLE_EXTRACT_BASE_DIR).</summary>
    public string ExtractionDirectory => System.IO.Path.Combine(Root, "extract");

    /// <summary>How long the publish took.</summary>
    public TimeSpan PublishTime { get; }

    /// <summary>Publishes the host with the documented command and copies the single file into an empty directory.</summary>
    public static SingleFileBinary Publish(string repositoryRoot, TimeSpan timeout)
    {
        string root = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "attribution-tests", "single-file-" + Guid.NewGuid().ToString("N")[..8]);
        string output = System.IO.Path.Combine(root, "publish");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "publish", System.IO.Path.Combine(repositoryRoot, "host", "Attribution.Host.csproj"), "-c", "Release", "-r", "linux-x64",
                     "-o", output, "-nologo", "-v", "q", "-nodeReuse:false", "-p:UseSharedCompilation=false" })
        {
            start.ArgumentList.Add(a);
        }
        // The test host's MSBuild variables would point the child build at the test run's SDK state.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }
        var clock = Stopwatch.StartNew();
        var (code, text) = RunToEnd(start, timeout);
        clock.Stop();
        Assert.That(code, Is.Zero, $"dotnet publish host -c Release -r linux-x64 failed:\n{text}");
        string[] files = Directory.GetFileSystemEntries(output).Select(System.IO.Path.GetFileName).ToArray()!;
        Assert.That(files, Is.EqualTo(new[] { "attribution" }), "the publish output is the one self-contained file");

        string alone = System.IO.Path.Combine(root, "alone");
        Directory.CreateDirectory(alone);
        string copy = System.IO.Path.Combine(alone, "attribution");
        File.Copy(System.IO.Path.Combine(output, "attribution"), copy);
        return new SingleFileBinary(root, copy, clock.Elapsed);
    }

    /// <summary>A start of the copied binary in its own directory, with the hermetic environment.</summary>
    public ProcessStartInfo StartInfo(params string[] args)
    {
        var start = new ProcessStartInfo(Path)
        {
            WorkingDirectory = System.IO.Path.GetDirectoryName(Path)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ATTRIBUTION_", StringComparison.Ordinal) || k.StartsWith("DOTNET_", StringComparison.Ordinal)
                     || k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k is "KAFKA_BOOTSTRAP_SERVERS" or "LD_LIBRARY_PATH").ToList())
        {
            start.Environment.Remove(key);
        }
        start.Environment["PATH"] = "/usr/bin:/bin";
        start.Environment["DOTNET_BUNDLE_EXTRACT_BASE_DIR"] = ExtractionDirectory;
        return start;
    }

    /// <summary>Runs to the end (killed after <paramref name="timeout"/>): exit code and the output, stderr after stdout.</summary>
    public static (int Code, string Output) RunToEnd(ProcessStartInfo start, TimeSpan timeout)
    {
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} could not be started");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"{System.IO.Path.GetFileName(start.FileName)} {string.Join(' ', start.ArgumentList)} did not end within {timeout.TotalSeconds:F0} s:\n{stdout.Result}\n{stderr.Result}");
        }
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + "\n" + stderr.Result);
    }

    /// <summary>Starts a long-running command (broker, run); its output lines are collected.</summary>
    public SingleFileProcess Start(params string[] args) => new(StartInfo(args));

    /// <summary>Deletes the temporary directory.</summary>
    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless; never fail a test over cleanup.
        }
    }
}
