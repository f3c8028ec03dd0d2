using System.Buffers.Text;
using Confluent.Kafka;
using HdrHistogram;

namespace Attribution.Bench.Kafka;

/// <summary>
/// A downstream consumer of an output topic (read_committed, as docs/ARCHITECTURE.md asks of consumers of
/// exactly-once output): for every attributed conversion it records now − conversion_time, i.e.
/// from the moment the paced producer meant to produce the input conversion to the moment its
/// attribution is readable here. Both clocks are the wall clock of this machine; conversion_time
/// has 1 ms resolution (the intended time truncated), so values err by up to 1 ms on the high side.
/// Conversions meant to be sent in the paced phase's first <see cref="KafkaLoad.WarmUpSeconds"/> s (see <see cref="SplitAt"/>)
/// go to a histogram of their own: the clients' start-up (first fetches, first transaction) is reported beside the steady state.
/// </summary>
internal sealed class OutputLatencyReader : IDisposable
{
    private const long MaxNanos = 600_000_000_000;
    private static readonly byte[] Field = "\"conversion_time\":"u8.ToArray();

    private readonly IConsumer<Ignore, byte[]> _consumer;
    private readonly Thread _thread;
    private readonly LongHistogram _histogram = new(MaxNanos, 3);
    private readonly LongHistogram _warmUp = new(MaxNanos, 3);
    private long _splitMs = long.MinValue;
    private volatile bool _stop;
    private long _count;
    private long _lastReadTicks;

    public OutputLatencyReader(string bootstrap, string topic, int partitions)
    {
        _consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "bench-reader-" + topic,
            IsolationLevel = IsolationLevel.ReadCommitted,
            EnableAutoCommit = false,
            FetchWaitMaxMs = 5,
            ClientId = "bench-reader",
        }).SetLogHandler((_, _) => { }).Build();
        _consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        // Connected to the partitions' leader before the caller starts its clock: the reader's own start-up is not latency.
        _consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(30));
        _thread = new Thread(Read) { Name = "bench-output-reader", IsBackground = true };
        _thread.Start();
    }

    /// <summary>Outputs read so far.</summary>
    public long Count => Volatile.Read(ref _count);

    /// <summary>Environment.TickCount64 of the last output read.</summary>
    public long LastReadTicks => Volatile.Read(ref _lastReadTicks);

    /// <summary>Latencies of conversions meant to be sent before the split (the warm-up); empty without a split.</summary>
    public LongHistogram WarmUp => _warmUp;

    /// <summary>
    /// Called with the first paced event's intended time (epoch ms): conversions meant to be sent in the next
    /// <see cref="KafkaLoad.WarmUpSeconds"/> s count as the warm-up. Returns the split time.
    /// </summary>
    public long SplitAt(long firstIntendedUnixMs)
    {
        long split = firstIntendedUnixMs + (KafkaLoad.WarmUpSeconds * 1000L);
        Volatile.Write(ref _splitMs, split);
        return split;
    }

    /// <summary>Stops reading (after the caller waited for the output to settle) and returns the histogram after the warm-up.</summary>
    public LongHistogram Finish()
    {
        _stop = true;
        _thread.Join();
        return _histogram;
    }

    private void Read()
    {
        while (!_stop)
        {
            ConsumeResult<Ignore, byte[]>? r = _consumer.Consume(TimeSpan.FromMilliseconds(50));
            if (r?.Message?.Value is not { } value)
            {
                continue;
            }
            long nowNs = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;
            int at = value.AsSpan().IndexOf(Field);
            if (at >= 0 && Utf8Parser.TryParse(value.AsSpan(at + Field.Length), out long ms, out _))
            {
                (ms < Volatile.Read(ref _splitMs) ? _warmUp : _histogram).RecordValue(Math.Clamp(nowNs - (ms * 1_000_000), 1, MaxNanos));
            }
            Volatile.Write(ref _count, _count + 1);
            Volatile.Write(ref _lastReadTicks, Environment.TickCount64);
        }
    }

    /// <summary>Waits until nothing new was read for <paramref name="quiet"/> (or <paramref name="limit"/> passed).</summary>
    public void WaitQuiet(TimeSpan quiet, TimeSpan limit)
    {
        long end = Environment.TickCount64 + (long)limit.TotalMilliseconds;
        long last = Count;
        long since = Environment.TickCount64;
        while (Environment.TickCount64 < end)
        {
            Thread.Sleep(100);
            long now = Count;
            if (now != last)
            {
                last = now;
                since = Environment.TickCount64;
            }
            else if (Environment.TickCount64 - since >= quiet.TotalMilliseconds)
            {
                return;
            }
        }
    }

    public void Dispose()
    {
        if (!_stop)
        {
            Finish();
        }
        _consumer.Close();
        _consumer.Dispose();
    }
}
