using Attribution.Engine.Pipeline;

namespace Attribution.Host.Run;

/// <summary>
/// The engine's output: shard threads deliver attribution batches here, which are filtered (outputs already
/// in Kafka are dropped, outputs of partitions no longer owned too) and copied into a double-buffered
/// <see cref="PendingOutputs"/> that the transaction loop takes. Silently replayed input never gets here: the
/// engine encodes nothing below the silent range the <see cref="PartitionTable"/> sets.
/// </summary>
internal sealed class OutputCollector : IEngineOutput
{
    private readonly PendingExchange _pending = new();
    private readonly PartitionDirectory _partitions;
    private readonly PipelineStats _stats;

    /// <summary>Creates a collector over the owned partitions.</summary>
    public OutputCollector(PartitionDirectory partitions, PipelineStats stats)
    {
        _partitions = partitions;
        _stats = stats;
    }

    /// <inheritdoc/>
    public void Deliver(OutputBatch batch)
    {
        long already = 0, unowned = 0;
        lock (_pending.Gate)
        {
            var filling = _pending.Filling;
            for (int i = 0; i < batch.Count; i++)
            {
                ref readonly OutputEntry e = ref batch.Entry(i);
                PartitionSlot? slot = _partitions.Get(e.Partition);
                if (slot is null || !slot.Owned)
                {
                    unowned++;
                }
                else if (slot.Point.EmittedOutputs.Count > 0 && slot.Point.EmittedOutputs.Contains(e.Position))
                {
                    already++;
                }
                else
                {
                    filling.Add(e.Partition, e.Position, batch.Key(in e), batch.Value(in e));
                }
            }
        }
        _stats.OutputsFiltered(already, unowned);
    }

    /// <summary>Takes everything delivered so far; give it back with <see cref="Return"/> after producing it.</summary>
    public PendingOutputs Take() => _pending.Take();

    /// <summary>Returns a taken buffer for reuse.</summary>
    public void Return(PendingOutputs buffer) => _pending.Return(buffer);

    /// <summary>Drops everything delivered and not yet taken (the work is redone after a rewind).</summary>
    public void Discard() => _pending.Discard();
}
