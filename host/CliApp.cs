using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;
using Attribution.Host.Cli;
using Attribution.Host.Commands;
using Attribution.Host.Replay;
using Attribution.Host.Settings;

namespace Attribution.Host;

/// <summary>
/// The <c>attribution</c> command line (System.CommandLine): <c>run</c>, <c>replay</c>, <c>demo</c>,
/// <c>broker</c>, <c>snapshot list|inspect|trigger</c>, <c>--help</c> on each, <c>--version</c>, typo suggestions and shell completion
/// (<c>attribution [suggest:N] "text"</c>). No arguments runs the demo. Exit codes: 0 done, 1 the command
/// failed, 2 bad flags or settings (one sentence: <c>attribution &lt;command&gt;: …</c>).
/// </summary>
public static class CliApp
{
    /// <summary>The exit code of bad flags or settings.</summary>
    public const int UsageExitCode = 2;

    /// <summary>Runs the command line on the process console and environment; returns the exit code.</summary>
    public static int Run(string[] args) => Run(args, CliContext.Console());

    /// <summary>Runs the command line in <paramref name="context"/>; returns the exit code.</summary>
    public static int Run(string[] args, CliContext context)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(context);
        var root = Root(context);
        // '@file' stays a value (a path may start with '@'), not a response file.
        ParseResult parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Errors.Count > 0 && parse.Action is ParseErrorAction)
        {
            // The command's path: "attribution snapshot inspect" for a subcommand's.
            string prefix = string.Join(' ', parse.CommandResult.Command.Parents.OfType<Command>().Where(c => c is not RootCommand).Select(c => c.Name).Reverse()
                .Prepend("attribution").Append(parse.CommandResult.Command is RootCommand ? "" : parse.CommandResult.Command.Name)).TrimEnd();
            context.Error.WriteLine($"{prefix}: {ParseErrorSentence.Of(parse)}");
            return UsageExitCode;
        }
        // The commands handle Ctrl-C and SIGTERM themselves (a clean stop commits the work done).
        return parse.Invoke(new InvocationConfiguration { Output = context.Output, Error = context.Error, ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });
    }

    /// <summary>The command tree; actions run in <paramref name="context"/>.</summary>
    public static RootCommand Root(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var root = new RootCommand("attribution — attributes ad conversions to ad clicks in real time: each conversion goes to the latest click of the same user and campaign within the attribution window (default 24 h). Without a command it runs the demo.");
        foreach (var version in root.Options.OfType<VersionOption>())
        {
            version.Action = new PrintVersion();
        }

        var run = new Command("run", "The Kafka host: consume raw-events, attribute, produce attributed-events exactly once (outputs, dead letters and offsets commit in one transaction). Settings come, strongest first, from a flag, an ATTRIBUTION_* variable, the --config file, or the default. Stop with Ctrl-C or SIGTERM; a stop waits at most 20 s for Kafka. Exit codes: 0 clean stop, 1 the run failed, 2 bad settings.");
        var runSettings = CommandSettings.AddTo(run, SettingScope.Run);
        run.SetAction(parse => Host.Run.RunCommand.Execute(runSettings, parse, context));

        var replay = new Command("replay", "Attribute a file of upstream JSON events (one per line) offline; a summary goes to standard error. Exit codes: 0 the run completed (rejected records do not fail it), 1 it could not run, 2 bad settings.");
        var replaySettings = CommandSettings.AddTo(replay, SettingScope.Replay);
        replay.SetAction(parse => ReplayCommand.Execute(replaySettings, parse, context));

        var demo = new Command("demo", "The default run: an embedded Kafka-protocol broker, generated click and conversion traffic (duplicates, late events, a little bad input) and the exactly-once pipeline, with live progress and a summary.");
        var demoSettings = CommandSettings.AddTo(demo, SettingScope.Demo);
        demo.SetAction(parse => DemoCommand.Execute(demoSettings, parse, context));

        root.Subcommands.Add(run);
        root.Subcommands.Add(replay);
        root.Subcommands.Add(demo);
        root.Subcommands.Add(BrokerCommand.Definition(context));
        root.Subcommands.Add(SnapshotCommand.Definition(context));
        var help = new Command("help", "Same as --help.") { Hidden = true };
        help.SetAction(_ => root.Parse("--help").Invoke(new InvocationConfiguration { Output = context.Output, Error = context.Error }));
        var versionCommand = new Command("version", "Same as --version.") { Hidden = true };
        versionCommand.SetAction(_ => PrintVersion.Write(context.Output));
        root.Subcommands.Add(help);
        root.Subcommands.Add(versionCommand);
        root.SetAction(parse => DemoCommand.Execute(demoSettings, parse, context));
        return root;
    }

    /// <summary>The product version.</summary>
    public static string Version =>
        typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    // The product's version (System.CommandLine's own would print the test host's when run in-process).
    private sealed class PrintVersion : SynchronousCommandLineAction
    {
        public static int Write(TextWriter output)
        {
            output.WriteLine($"attribution {Version}");
            return 0;
        }

        public override int Invoke(ParseResult parseResult) => Write(parseResult.InvocationConfiguration.Output);
    }
}
