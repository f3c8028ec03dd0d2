using System.Reflection;
using Attribution.Host.Cli;
using Attribution.Host.Replay;

namespace Attribution.Host;

/// <summary>Dispatches the `attribution` command line to its commands.</summary>
public static class CliApp
{
    /// <summary>Runs the command line; returns the exit code.</summary>
    public static int Run(string[] args)
    {
        if (args.Length == 0)
        {
            return DemoCommand.Run([], Console.Error);
        }
        switch (args[0])
        {
            case "-h" or "--help" or "help":
                Console.Out.WriteLine(HelpText.Main);
                return 0;
            case "--version" or "version":
                Console.Out.WriteLine($"attribution {Version}");
                return 0;
            case "replay":
                return ReplayCommand.Run(args[1..], Console.Error);
            case "run":
                return Attribution.Host.Run.RunCommand.Run(args[1..]);
            case "broker":
                return Commands.BrokerCommand.Run(args[1..]);
            case "demo":
                return DemoCommand.Run(args[1..], Console.Error);
            default:
                Console.Error.WriteLine($"attribution: '{args[0]}' is not a command; run 'attribution --help' to list them.");
                return 2;
        }
    }

    /// <summary>The product version.</summary>
    public static string Version =>
        typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
