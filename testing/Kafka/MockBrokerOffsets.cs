using Confluent.Kafka;

namespace Attribution.Testing.Kafka;

/// <summary>
/// The embedded test broker's offsets shim. librdkafka's mock broker answers TxnOffsetCommit but drops the
/// offsets (pinned by MockBrokerLimitationTests), so a host on it would never see its committed offsets
/// again. Wrap the group consumer and the transactional producer with this: offsets sent to a transaction
/// that then commits are stored once more with a plain consumer commit, for the partitions the consumer
/// still owns. A refused commit (a rebalance in progress) is retried from the consumer's next poll.
/// Real Kafka needs none of this; the host's own commit path is KIP-447 only.
/// <para>The mock also keeps no transaction state, so it cannot do what fences a zombie on a real cluster (KIP-447:
/// a transaction whose offsets carry a member the group no longer knows is refused and aborted, its records never
/// read). A host frozen past its session would, on waking, commit one more transaction of outputs whose partitions
/// the group already gave to another host, which the new owner re-derives: duplicates a real cluster never shows.
/// So the shim emulates the fence: each transaction first asks the broker whether the consumer is still a member,
/// with a plain commit to a partition of a topic that does not exist (the mock checks membership for the whole
/// request before it looks at partitions, and stores nothing for an unknown topic); a transaction of a member the
/// group evicted produces nothing and fails at its offsets or commit with the broker's error, as on Kafka.</para>
/// </summary>
public sealed class MockBrokerOffsets
{
    private static readonly TimeSpan RetryEvery = TimeSpan.FromMilliseconds(100);

    private readonly object _gate = new();
    private readonly Action<string> _warn;
    private readonly TimeSpan _watchdog;
    private readonly Dictionary<TopicPartition, long> _sent = new();
    private readonly Dictionary<TopicPartition, long> _unstored = new();
    private long _lastStoredAt = long.MinValue / 2;
    private int _unstoredCount;
    private long _retryAt;
    private Func<List<TopicPartition>>? _assignment;
    private Action<IEnumerable<TopicPartitionOffset>>? _commit;

    /// <summary>Creates a shim; <paramref name="warn"/> hears of refused or stuck commits; a commit is waited for at most <paramref name="watchdog"/>.</summary>
    public MockBrokerOffsets(Action<string> warn, TimeSpan watchdog)
    {
        ArgumentNullException.ThrowIfNull(warn);
        _warn = warn;
        _watchdog = watchdog;
    }

    /// <summary>Wraps the group consumer (one per shim): its commits store the offsets, its polls retry refused ones.</summary>
    public IConsumer<TKey, TValue> Consumer<TKey, TValue>(IConsumer<TKey, TValue> inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _assignment = () => inner.Assignment;
        _commit = inner.Commit;
        return new OffsetStoringConsumer<TKey, TValue>(inner, this);
    }

    /// <summary>Wraps a transactional producer (a replaced producer is wrapped again).</summary>
    public IProducer<TKey, TValue> Producer<TKey, TValue>(IProducer<TKey, TValue> inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        return new OffsetStoringProducer<TKey, TValue>(inner, this);
    }

    internal void Sent(IEnumerable<TopicPartitionOffset> offsets)
    {
        lock (_gate)
        {
            foreach (var o in offsets)
            {
                _sent[o.TopicPartition] = o.Offset.Value;
            }
        }
    }

    internal void TransactionEnded(bool committed)
    {
        lock (_gate)
        {
            if (committed)
            {
                foreach (var (tp, offset) in _sent)
                {
                    _unstored[tp] = Math.Max(offset, _unstored.GetValueOrDefault(tp, -1));
                }
                Volatile.Write(ref _unstoredCount, _unstored.Count);
            }
            _sent.Clear();
        }
        if (committed)
        {
            Store();
        }
    }

    /// <summary>The partition the membership probe commits to: of a topic nobody creates, so nothing is ever stored.</summary>
    internal static readonly TopicPartitionOffset MembershipProbe = new("attribution-test-broker-membership-probe", 0, 0);

    /// <summary>
    /// A member whose offsets the broker stored this recently was not evicted since: group sessions are longer (2 s at
    /// the least in the tests), so the probe is skipped and the shim costs nothing while transactions flow.
    /// </summary>
    private const long ProbeAfterQuietMs = 1_000;

    /// <summary>
    /// The broker's error when the consumer is no longer a member of its group (<see cref="ErrorCode.UnknownMemberId"/>:
    /// its session ran out), else null (a member, or no answer in time).
    /// </summary>
    internal Error? EvictedMember()
    {
        if (_commit is null || Environment.TickCount64 - Volatile.Read(ref _lastStoredAt) < ProbeAfterQuietMs)
        {
            return null;
        }
        if (!CommitWithinWatchdog([MembershipProbe], out var refused) || refused is null)
        {
            return null;
        }
        var codes = refused is TopicPartitionOffsetException partial ? partial.Results.Select(r => r.Error) : [refused.Error];
        var evicted = codes.FirstOrDefault(c => c.Code == ErrorCode.UnknownMemberId);
        if (evicted is not null)
        {
            _warn($"fenced_like_kip447 code={evicted.Code} reason=\"{evicted.Reason}\"");
        }
        return evicted;
    }

    /// <summary>
    /// Commits on a pool thread and waits at most the watchdog time; false when the commit did not return in time
    /// (it goes on in the background), else true with the broker's refusal, if any, in <paramref name="refused"/>.
    /// </summary>
    private bool CommitWithinWatchdog(List<TopicPartitionOffset> offsets, out KafkaException? refused)
    {
        refused = null;
        var commit = _commit!;
        var task = Task.Run(() => commit(offsets));
        try
        {
            return task.Wait(_watchdog);
        }
        catch (AggregateException e) when (e.InnerException is KafkaException k)
        {
            refused = k;
            return true;
        }
    }

    /// <summary>Called before each poll of the group consumer (by its wrapper, or by a caller that drains its queue directly): retries a refused store, at most every 100 ms.</summary>
    public void Retry()
    {
        if (Volatile.Read(ref _unstoredCount) != 0 && Environment.TickCount64 >= Volatile.Read(ref _retryAt))
        {
            Store();
        }
    }

    private void Store()
    {
        if (_assignment is null || _commit is null)
        {
            return;
        }
        var owned = new HashSet<TopicPartition>(_assignment());
        List<TopicPartitionOffset> offsets;
        lock (_gate)
        {
            // A partition given up is not stored: its new owner commits it (the host would never retry it either).
            foreach (var tp in _unstored.Keys.Where(tp => !owned.Contains(tp)).ToList())
            {
                _unstored.Remove(tp);
            }
            Volatile.Write(ref _unstoredCount, _unstored.Count);
            offsets = _unstored.Select(kv => new TopicPartitionOffset(kv.Key, kv.Value)).ToList();
        }
        if (offsets.Count == 0)
        {
            return;
        }
        if (!CommitWithinWatchdog(offsets, out var refused))
        {
            _warn($"plain_commit_stuck waited_ms={(long)_watchdog.TotalMilliseconds} retry=next_cycle");
            Volatile.Write(ref _retryAt, Environment.TickCount64 + (long)RetryEvery.TotalMilliseconds);
            return;
        }
        if (refused is { } k)
        {
            _warn($"plain_commit_failed code={k.Error.Code} reason=\"{k.Error.Reason}\" retry=next_cycle");
            Volatile.Write(ref _retryAt, Environment.TickCount64 + (long)RetryEvery.TotalMilliseconds);
            return;
        }
        lock (_gate)
        {
            foreach (var o in offsets)
            {
                if (_unstored.TryGetValue(o.TopicPartition, out long v) && v == o.Offset.Value)
                {
                    _unstored.Remove(o.TopicPartition);
                }
            }
            Volatile.Write(ref _unstoredCount, _unstored.Count);
        }
        Volatile.Write(ref _lastStoredAt, Environment.TickCount64);
    }
}
