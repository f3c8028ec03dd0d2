using Attribution.Host.Cli;
using Attribution.Host.Demo;
using Attribution.Host.Settings;

namespace Attribution.Host;

/// <summary>
/// The default run (<c>attribution</c> with no arguments, or <c>attribution demo [flags]</c>): the
/// embedded broker, generated traffic and the exactly-once pipeline, with live progress and a summary
/// (see <see cref="DemoRunner"/>).
/// </summary>
public static class DemoCommand
{
    /// <summary>Runs the demo with <c>demo</c>'s flags; returns the exit code (0 done, 1 failed, 2 bad flags).</summary>
    public static int Run(string[] args, TextWriter stderr)
        => CliApp.Run(["demo", .. args], new CliContext(CliContext.ProcessEnvironment(), Console.Out, stderr, CancellationToken.None));

    /// <summary>Runs the demo parsed by <see cref="CliApp"/>.</summary>
    internal static int Execute(CommandSettings settings, System.CommandLine.ParseResult parse, CliContext context)
    {
        TextWriter stderr = context.Error;
        if (!settings.TryRead(parse, context, "demo", DemoOptions.Read, out SettingReader reader, out DemoOptions options))
        {
            return 2;
        }
        var log = Attribution.Host.Run.RunLog.Create(stderr, options.LogLevel, options.LogFormat);
        foreach (string warning in reader.Layers.Warnings)
        {
            log.Warn("config", $"message=\"{warning}\"");
        }
        log.Info("config", EffectiveConfiguration.Render(reader));
        return DemoRunner.Run(options, stderr, terminal: !Console.IsErrorRedirected && ReferenceEquals(stderr, Console.Error),
            EffectiveConfiguration.Entries(reader));
    }
}
