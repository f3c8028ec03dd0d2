using System.Diagnostics;
using Attribution.Bench;
using Attribution.Bench.Reporting;

var suites = typeof(IBenchSuite).Assembly.GetTypes()
    .Where(t => typeof(IBenchSuite).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IBenchSuite)Activator.CreateInstance(t)!)
    .OrderBy(s => s.Name, StringComparer.Ordinal)
    .ToList();

if (args.Length == 0 || args[0] is "-h" or "--help" or "list")
{
    Console.WriteLine("usage: dotnet run -c Release --project bench -- <suite> [--long] [--results DIR] [--no-report] [suite options]");
    Console.WriteLine();
    Console.WriteLine("Every run writes DIR/<suite>-<UTC time>/report.md with the machine, the command, the load average,");
    Console.WriteLine("the suite's tables, HdrHistogram percentile tables and PNG plots (default DIR: bench/results).");
    Console.WriteLine("--long scales the suite's default sizes up (the defaults take tens of seconds).");
    Console.WriteLine();
    Console.WriteLine("suites:");
    foreach (var s in suites)
    {
        Console.WriteLine($"  {s.Name,-12} {s.Description}");
    }
    return 0;
}

var suite = suites.FirstOrDefault(s => string.Equals(s.Name, args[0], StringComparison.OrdinalIgnoreCase));
if (suite is null)
{
    Console.Error.WriteLine($"There is no benchmark suite named '{args[0]}'; run with --help to list them.");
    return 2;
}

// Options every suite shares are taken out here; the rest goes to the suite.
var rest = new List<string>();
string? resultsRoot = null;
bool report = true;
for (int i = 1; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--long": BenchReport.Long = true; break;
        case "--no-report": report = false; break;
        case "--results" when i + 1 < args.Length: resultsRoot = args[++i]; break;
        default: rest.Add(args[i]); break;
    }
}
bool bdn = rest.Count > 0 && rest[0] == "--bdn"; // BenchmarkDotNet writes its own artifacts
if (!report || bdn)
{
    return suite.Run([.. rest]);
}

resultsRoot ??= Path.Combine(RepositoryRoot(), "bench", "results");
string folder = Path.Combine(resultsRoot, $"{suite.Name}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
string command = $"dotnet run -c Release --project bench -- {string.Join(' ', args)}";
using var current = new BenchReport(suite.Name, command, folder);
BenchReport.Current = current;
TextWriter console = Console.Out;
Console.SetOut(new TeeWriter(console, current.Body));
var clock = Stopwatch.StartNew();
int exit;
try
{
    exit = suite.Run([.. rest]);
}
finally
{
    Console.SetOut(console);
}
string path = current.Write(exit, clock.Elapsed);
BenchProgress.Done($"report: {path}");
return exit;

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
