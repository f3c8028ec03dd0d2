using Attribution.Engine.State.Faster;

namespace Attribution.Engine.Pipeline;

/// <summary>One shard's state: its two tables' sizes and what its sweeps removed (for benchmarks and diagnostics).</summary>
/// <param name="Index">The shard.</param>
/// <param name="Clicks">The click table.</param>
/// <param name="Conversions">The conversion-id table.</param>
/// <param name="Sweeps">Sweeps done.</param>
/// <param name="Expired">Expired entries the sweeps removed.</param>
internal readonly record struct ShardStateStats(int Index, FasterStateTableStats Clicks, FasterStateTableStats Conversions, long Sweeps, long Expired);
