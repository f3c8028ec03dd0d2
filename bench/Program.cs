using System.Reflection;
using Attribution.Bench;

var suites = typeof(IBenchSuite).Assembly.GetTypes()
    .Where(t => typeof(IBenchSuite).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IBenchSuite)Activator.CreateInstance(t)!)
    .OrderBy(s => s.Name, StringComparer.Ordinal)
    .ToList();

if (args.Length == 0 || args[0] is "-h" or "--help" or "list")
{
    Console.WriteLine("usage: dotnet run -c Release --project bench -- <suite> [options]");
    Console.WriteLine();
    Console.WriteLine("suites:");
    foreach (var s in suites)
    {
        Console.WriteLine($"  {s.Name,-12} {s.Description}");
    }
    return args.Length == 0 ? 0 : 0;
}

var suite = suites.FirstOrDefault(s => string.Equals(s.Name, args[0], StringComparison.OrdinalIgnoreCase));
if (suite is null)
{
    Console.Error.WriteLine($"There is no benchmark suite named '{args[0]}'; run with --help to list them.");
    return 2;
}
return suite.Run(args[1..]);
