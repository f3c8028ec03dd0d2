using System.CommandLine;
using System.CommandLine.Invocation;
using System.Diagnostics;
using Attribution.Bench;
using Attribution.Bench.Reporting;
using Attribution.Host.Cli;

if (TieringDelay.RunAsChild(args) is { } childExit)
{
    return childExit;
}

var suites = typeof(IBenchSuite).Assembly.GetTypes()
    .Where(t => typeof(IBenchSuite).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IBenchSuite)Activator.CreateInstance(t)!)
    .OrderBy(s => s.Name, StringComparer.Ordinal)
    .ToList();

// `SUITE --bdn [args]`: BenchmarkDotNet parses the rest with its own parser and writes its own artifacts.
if (args.Length >= 2 && args[1] == "--bdn" && suites.FirstOrDefault(s => string.Equals(s.Name, args[0], StringComparison.OrdinalIgnoreCase)) is { } bdnSuite)
{
    return bdnSuite.RunBenchmarkDotNet(args[2..]) ?? Refuse($"bench {bdnSuite.Name}: the suite has no BenchmarkDotNet benchmarks.");
}

// Flags every suite shares.
var longRun = new Option<bool>("--long") { Description = "scale the suite's default sizes up (the defaults take tens of seconds)", Recursive = true, Arity = ArgumentArity.Zero };
var results = new Option<string?>("--results") { Description = "write DIR/<suite>-<UTC time>/report.md (default: bench/results)", HelpName = "DIR", Recursive = true };
var noReport = new Option<bool>("--no-report") { Description = "print only, write no report", Recursive = true, Arity = ArgumentArity.Zero };
var root = new RootCommand("The benchmark suites. Every run writes DIR/<suite>-<UTC time>/report.md with the machine, the command, the load average, the suite's tables, HdrHistogram percentile tables and PNG plots.")
{
    longRun, results, noReport,
};
root.SetAction(parse => root.Parse("--help").Invoke());
var list = new Command("list", "list the suites");
list.SetAction(_ =>
{
    foreach (var s in suites)
    {
        Console.WriteLine($"  {s.Name,-12} {s.Description}");
    }
});
root.Subcommands.Add(list);
foreach (var suite in suites)
{
    var command = new Command(suite.Name, suite.Description) { TreatUnmatchedTokensAsErrors = !suite.TakesBenchmarkDotNetArguments };
    foreach (var flag in suite.Flags)
    {
        command.Options.Add(flag);
    }
    command.SetAction(parse => RunSuite(suite, parse));
    root.Subcommands.Add(command);
}

var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
if (parsed.Errors.Count > 0 && parsed.Action is ParseErrorAction)
{
    string prefix = parsed.CommandResult.Command is RootCommand ? "bench" : $"bench {parsed.CommandResult.Command.Name}";
    return Refuse($"{prefix}: {ParseErrorSentence.Of(parsed, "bench")}");
}
return parsed.Invoke(new InvocationConfiguration { ProcessTerminationTimeout = null });

int RunSuite(IBenchSuite suite, ParseResult parse)
{
    BenchReport.Long = parse.GetValue(longRun);
    if (parse.GetValue(noReport))
    {
        return suite.Run(parse);
    }
    string folder = Path.Combine(parse.GetValue(results) ?? Path.Combine(RepositoryRoot(), "bench", "results"), $"{suite.Name}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
    string commandLine = $"dotnet run -c Release --project bench -- {string.Join(' ', args)}";
    using var current = new BenchReport(suite.Name, commandLine, folder);
    BenchReport.Current = current;
    TextWriter console = Console.Out;
    Console.SetOut(new TeeWriter(console, current.Body));
    var clock = Stopwatch.StartNew();
    int exit;
    try
    {
        exit = suite.Run(parse);
    }
    finally
    {
        Console.SetOut(console);
    }
    string path = current.Write(exit, clock.Elapsed);
    BenchProgress.Done($"report: {path}");
    return exit;
}

static int Refuse(string sentence)
{
    Console.Error.WriteLine(sentence);
    return 2;
}

// The repository root (the folder with the solution), so results land in bench/results wherever dotnet run starts.
static string RepositoryRoot()
{
    for (string? dir = Environment.CurrentDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
    {
        if (File.Exists(Path.Combine(dir, "Attribution.Engine.sln")))
        {
            return dir;
        }
    }
    return Environment.CurrentDirectory;
}
