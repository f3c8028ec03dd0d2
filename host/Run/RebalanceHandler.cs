using System.Runtime.ExceptionServices;
using Confluent.Kafka;

namespace Attribution.Host.Run;

/// <summary>
/// The consumer's rebalance callbacks (on the source thread, inside the batch poll or Close). It only delegates: each change
/// runs on the transaction loop between two cycles, and the callback waits for it.
/// </summary>
internal sealed class RebalanceHandler(RunOptions options, RunLog log, TransactionLoop transactions, PartitionTable table, PipelineObserver observer, RunState state,
    Repartitioner? repartitioner = null)
{
    private ExceptionDispatchInfo? _failure;

    /// <summary>
    /// Throws what a callback threw (Confluent.Kafka keeps it for its own Consume, which the batch poll does not call),
    /// on the source thread after the poll that ran the callback.
    /// </summary>
    public void ThrowIfFailed()
    {
        if (_failure is { } failure)
        {
            _failure = null;
            failure.Throw();
        }
    }

    /// <summary>Recovers the assigned partitions; returns where each starts.</summary>
    public IEnumerable<TopicPartitionOffset> OnAssigned(IConsumer<RawValue, RawValue> consumer, List<TopicPartition> assigned) => Guard(() => Assigned(consumer, assigned));

    /// <summary>Commits the in-flight work of the revoked partitions, then gives them up.</summary>
    public void OnRevoked(IConsumer<RawValue, RawValue> consumer, List<TopicPartitionOffset> revoked) => Guard(() => Revoked(revoked));

    /// <summary>Forgets lost partitions and asks for a rewind of the rest (their uncommitted work shares the pending buffers).</summary>
    public void OnLost(IConsumer<RawValue, RawValue> consumer, List<TopicPartitionOffset> lost) => Guard(() => Lost(lost));

    private T Guard<T>(Func<T> callback)
    {
        try
        {
            return callback();
        }
        catch (Exception e)
        {
            _failure ??= ExceptionDispatchInfo.Capture(e);
            throw;
        }
    }

    private void Guard(Action callback) => Guard(() =>
    {
        callback();
        return 0;
    });

    private IEnumerable<TopicPartitionOffset> Assigned(IConsumer<RawValue, RawValue> consumer, List<TopicPartition> assigned)
    {
        var partitions = assigned.Where(tp => tp.Topic == options.StateTopic).Select(tp => tp.Partition.Value).ToList();
        var inputs = repartitioner is null ? [] : assigned.Where(tp => tp.Topic == options.InputTopic).Select(tp => tp.Partition.Value).ToList();
        observer.Source.Enter("assigned:wait_transactions");
        var result = transactions.Invoke<IEnumerable<TopicPartitionOffset>>(() =>
        {
            if (!state.Failed)
            {
                log.Info("rebalance", inputs.Count == 0 ? $"assigned partitions={string.Join(",", partitions)}"
                    : $"assigned partitions={string.Join(",", partitions)} input_partitions={string.Join(",", inputs)}");
                var starts = new List<TopicPartitionOffset>();
                if (inputs.Count > 0 && transactions.AssignInput(inputs, consumer) is { } inputPlan)
                {
                    starts.AddRange(inputs.Select(p => new TopicPartitionOffset(options.InputTopic, p, inputPlan[p].Start)));
                }
                if (!state.Failed && table.Assign(partitions, consumer) is { } plan)
                {
                    starts.AddRange(partitions.Select(p => new TopicPartitionOffset(options.StateTopic, p, plan[p].Start)));
                    return starts;
                }
            }
            return assigned.Select(tp => new TopicPartitionOffset(tp, Offset.Unset)).ToList();
        });
        state.Join(); // after the slots are installed: readiness then waits for their rebuild
        return result;
    }

    private void Revoked(List<TopicPartitionOffset> revoked)
    {
        var partitions = revoked.Where(r => r.Topic == options.StateTopic).Select(r => r.Partition.Value).ToList();
        var inputs = revoked.Where(r => r.Topic == options.InputTopic && repartitioner is not null).Select(r => r.Partition.Value).ToList();
        observer.Source.Enter("revoked:wait_transactions");
        transactions.Invoke(() =>
        {
            log.Info("rebalance", $"revoked partitions={string.Join(",", partitions)}" + (inputs.Count == 0 ? "" : $" input_partitions={string.Join(",", inputs)}"));
            if (!state.Failed && !transactions.RewindPending)
            {
                try
                {
                    transactions.Cycle();
                }
                catch (FatalPipelineException e)
                {
                    state.Fail(e.Message);
                }
            }
            table.Release(partitions, export: !state.Failed && !transactions.RewindPending);
            repartitioner?.Remove(inputs);
        });
    }

    private void Lost(List<TopicPartitionOffset> lost)
    {
        var partitions = lost.Where(l => l.Topic == options.StateTopic).Select(l => l.Partition.Value).ToList();
        var inputs = lost.Where(l => l.Topic == options.InputTopic && repartitioner is not null).Select(l => l.Partition.Value).ToList();
        observer.Source.Enter("lost:wait_transactions");
        transactions.Invoke(() =>
        {
            log.Warn("rebalance", $"lost partitions={string.Join(",", partitions)}" + (inputs.Count == 0 ? "" : $" input_partitions={string.Join(",", inputs)}"));
            table.Lose(partitions);
            repartitioner?.Remove(inputs);
            transactions.RequestRewind();
        });
    }
}
