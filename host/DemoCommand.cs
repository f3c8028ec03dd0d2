using Attribution.Engine.Attribution;
using Attribution.Host.Cli;
using Attribution.Host.Replay;

namespace Attribution.Host;

/// <summary>
/// The default run: replays the sample stream that ships inside the binary through the engine and
/// prints a summary and a few attributions. (Stage 4 replaces it with broker + generator + pipeline.)
/// </summary>
public static class DemoCommand
{
    /// <summary>Name of the embedded sample resource.</summary>
    public const string SampleResource = "Attribution.Host.samples.events.jsonl";

    /// <summary>Runs the demo; returns the exit code.</summary>
    public static int Run(string[] args, TextWriter stderr)
    {
        if (args.Length > 0)
        {
            stderr.WriteLine("attribution demo: takes no flags yet; run 'attribution --help'.");
            return 2;
        }
        using var sample = typeof(DemoCommand).Assembly.GetManifestResourceStream(SampleResource)
            ?? throw new InvalidOperationException("The sample stream is missing from this build.");
        using var output = new MemoryStream();
        stderr.WriteLine("attribution demo: replaying the bundled sample stream (samples/events.jsonl) through the engine");
        var options = new ReplayOptions { Config = new AttributionConfig() };
        var summary = ReplayCommand.Execute(options, sample, output, deadLetters: null);
        output.Position = 0;
        using var reader = new StreamReader(output);
        stderr.WriteLine("first attributions:");
        for (int i = 0; i < 3 && reader.ReadLine() is { } line; i++)
        {
            stderr.WriteLine($"  {line}");
        }
        summary.WriteTo(stderr);
        return 0;
    }
}
