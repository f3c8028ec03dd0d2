namespace Attribution.Host.Observability;

/// <summary>
/// The answers of the health endpoints, one status code and one line each (docs/OPERATIONS.md, "Probes and the status page").
/// </summary>
public static class HealthProbes
{
    /// <summary>
    /// <c>/health/live</c>: 200 while the process runs and the pipeline has not failed — starting, rebuilding and a
    /// standby that owns nothing are alive; 503 once it failed (restarting it is the cure).
    /// </summary>
    public static (int Status, string Body) Live(IPipelineFigures pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        return pipeline.FatalError is { } error ? (503, $"failed: {error}\n") : (200, "alive\n");
    }

    /// <summary>
    /// <c>/health/ready</c>: 200 once the consumer joined its group and every owned partition's state is rebuilt;
    /// a standby that joined and owns no partition is ready (nothing of it is waiting). 503 while starting or
    /// rebuilding, and after a failure.
    /// </summary>
    public static (int Status, string Body) Ready(IPipelineFigures pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        if (pipeline.FatalError is { } error)
        {
            return (503, $"failed: {error}\n");
        }
        if (!pipeline.Joined)
        {
            return (503, "starting: not yet joined the consumer group\n");
        }
        var partitions = pipeline.Partitions();
        int rebuilding = 0;
        foreach (var p in partitions)
        {
            rebuilding += p.Rebuilding ? 1 : 0;
        }
        if (rebuilding > 0)
        {
            return (503, $"rebuilding: {rebuilding} of {partitions.Count} partitions\n");
        }
        return partitions.Count == 0 ? (200, "ready: standby, owns no partitions\n") : (200, $"ready: {partitions.Count} partitions\n");
    }

    /// <summary>
    /// <c>/health</c>, as before the split: 200 once the host owns partitions and can commit (state may still be
    /// rebuilding), 503 before that — a standby included — and after a failure.
    /// </summary>
    public static (int Status, string Body) Owning(IPipelineFigures pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        if (pipeline.FatalError is { } error)
        {
            return (503, $"failed: {error}\n");
        }
        return pipeline.Ready.IsSet ? (200, "ok\n") : (503, "starting: not yet assigned partitions\n");
    }
}
