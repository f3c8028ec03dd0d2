using Attribution.Engine.Pipeline;

namespace Attribution.Host.Run;

/// <summary>
/// Says in the log, once per table and run, when the state first outgrows its memory budget (<c>memory_mb</c>): from
/// then on a look-up of an older record waits for disk I/O, which can slow the shards enough to fall behind their input.
/// The figure itself is the <c>attribution_state_disk_bytes</c> gauge.
/// </summary>
internal sealed class StateSpillReport(RunLog log)
{
    private bool _clicksReported;
    private bool _conversionsReported;

    /// <summary>Checks <paramref name="size"/> (the engine's figures) against the budgets in <paramref name="options"/>.</summary>
    public void Check(StateSize size, EngineOptions options)
    {
        if (!_clicksReported && size.ClickDiskBytes > 0)
        {
            _clicksReported = true;
            Report("clicks", size.ClickDiskBytes, size.ClickBytes, options.ClickMemoryBytes, options.Shards);
        }
        if (!_conversionsReported && size.ConversionDiskBytes > 0)
        {
            _conversionsReported = true;
            Report("conversions", size.ConversionDiskBytes, size.ConversionBytes, options.ConversionMemoryBytes, options.Shards);
        }
    }

    private void Report(string table, long diskBytes, long bytes, long budgetBytes, int shards)
    {
        long budgetMiB = budgetBytes >> 20;
        log.Warn("state", $"table={table} memory_mb={budgetMiB} shards={shards} stored_mib={bytes >> 20} on_disk_mib={diskBytes >> 20} " +
                          $"message=\"The {table} state outgrew its memory ({budgetMiB} MiB per shard): older records are now read back from disk, " +
                          "which is slower and can make the shards fall behind their input; raise memory_mb to hold one window plus lateness (docs/CONFIGURATION.md, Sizing the state).\"");
    }
}
