using Attribution.Engine.Attribution;
using Attribution.Engine.Events;

namespace Attribution.Tests.Engine.Attribution;

/// <summary>Everything observable of one run: the step per item, outputs in order, counts.</summary>
public sealed record RunResult(
    IReadOnlyList<string> Steps,
    IReadOnlyList<AttributedOutput> Outputs,
    IReadOnlyList<long> OutcomeCounts,
    IReadOnlyDictionary<RejectReason, long> Rejections);
