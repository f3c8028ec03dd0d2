using Attribution.Host.Cli;
using Attribution.Host.Demo;

namespace Attribution.Host;

/// <summary>
/// The default run (<c>attribution</c> with no arguments, or <c>attribution demo [flags]</c>): the
/// embedded broker, generated traffic and the exactly-once pipeline, with live progress and a summary
/// (see <see cref="DemoRunner"/>).
/// </summary>
public static class DemoCommand
{
    /// <summary>Runs the demo; returns the exit code (0 done, 1 failed, 2 bad flags).</summary>
    public static int Run(string[] args, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        DemoOptions options;
        try
        {
            options = DemoOptions.Parse(args, out bool help);
            if (help)
            {
                Console.Out.WriteLine(HelpText.Demo);
                return 0;
            }
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"attribution demo: {e.Message}");
            return 2;
        }
        return DemoRunner.Run(options, stderr, terminal: !Console.IsErrorRedirected && ReferenceEquals(stderr, Console.Error));
    }
}
