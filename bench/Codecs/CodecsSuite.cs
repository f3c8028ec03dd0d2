using System.CommandLine;
using BenchmarkDotNet.Running;

namespace Attribution.Bench.Codecs;

/// <summary>`dotnet run -c Release --project bench -- codecs [BenchmarkDotNet options, e.g. --job short]`.</summary>
public sealed class CodecsSuite : IBenchSuite
{
    /// <inheritdoc />
    public string Name => "codecs";

    /// <inheritdoc />
    public string Description => "JSON/MessagePack decode and output encode per event (BenchmarkDotNet, allocations)";

    /// <inheritdoc />
    public IReadOnlyList<Option> Flags => [];

    /// <inheritdoc />
    public bool TakesBenchmarkDotNetArguments => true;

    /// <inheritdoc />
    public int Run(ParseResult flags) => RunBenchmarkDotNet([.. flags.UnmatchedTokens]) ?? 0;

    /// <inheritdoc />
    public int? RunBenchmarkDotNet(string[] args)
    {
        var summary = BenchmarkRunner.Run<CodecBenchmarks>(args: args);
        return summary.HasCriticalValidationErrors || summary.Reports.Any(r => !r.Success) ? 1 : 0;
    }
}
