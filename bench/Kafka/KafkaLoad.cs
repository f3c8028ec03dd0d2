using System.Buffers.Text;
using System.Diagnostics;
using Attribution.Bench.Engine;
using Confluent.Kafka;

namespace Attribution.Bench.Kafka;

/// <summary>
/// The upstream producer of the Kafka suite: writes generated lines to an input topic keyed by
/// user_id (murmur2, like Java producers) or, for mis-keyed input, by each record's sequence number
/// (a user's events then spread over every partition), either as a backlog as fast as possible, or paced at a
/// constant rate with each event's timestamp set to its intended send time (epoch ms), so the
/// output's conversion_time tells when its input was meant to be produced (coordinated omission:
/// a stalled producer shows up as latency).
/// </summary>
internal static class KafkaLoad
{
    private static readonly byte[] TimestampField = "\"timestamp\":"u8.ToArray();
    private static readonly byte[] UserField = "\"user_id\":\""u8.ToArray();

    /// <summary>
    /// The paced phase's first seconds, whose latencies are reported apart from the rest: the clients' start-up (first
    /// fetch of each partition, first transaction) is not the steady state the target is about.
    /// </summary>
    public const int WarmUpSeconds = 1;

    /// <summary>Compression of the input batches (`--input-compression`); lz4 by default because the embedded broker keeps 5 MiB per partition, compressed bytes count.</summary>
    public static CompressionType Compression { get; set; } = CompressionType.Lz4;

    public static ProducerConfig Config(string bootstrap, string clientId) => new()
    {
        BootstrapServers = bootstrap,
        EnableIdempotence = true,
        LingerMs = 5,
        CompressionType = Compression,
        Partitioner = Partitioner.Murmur2Random,
        ClientId = clientId,
    };

    /// <summary>
    /// Produces lines [0, count) as fast as the client takes them, keyed by user id unless <paramref name="keyedByUser"/>
    /// is false; returns seconds until all are acknowledged.
    /// </summary>
    public static double Backlog(string bootstrap, string topic, LineStore lines, int count, bool keyedByUser = true)
    {
        using IProducer<byte[], byte[]> producer = new ProducerBuilder<byte[], byte[]>(Config(bootstrap, "bench-backlog")).SetLogHandler((_, _) => { }).Build();
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> line = lines[i];
            Produce(producer, topic, Key(line, i, keyedByUser), line.ToArray());
        }
        Flush(producer);
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary>
    /// Produces lines from <paramref name="first"/> on at <paramref name="rate"/> events/s for <paramref name="seconds"/>;
    /// event i is stamped with its intended send time. <paramref name="started"/> gets event 0's intended time (epoch ms)
    /// before it is due. Returns the number produced and the achieved rate.
    /// </summary>
    public static (int Count, double Rate) Paced(string bootstrap, string topic, LineStore lines, int first, double rate, int seconds, bool keyedByUser = true,
        Action<int>? progress = null, Action<long>? started = null)
    {
        using IProducer<byte[], byte[]> producer = new ProducerBuilder<byte[], byte[]>(Config(bootstrap, "bench-paced")).SetLogHandler((_, _) => { }).Build();
        // Records go through librdkafka's produce on the producer's own handle, from one reused buffer, as the host's
        // transactional sink sends its outputs: a Message, a key and a value array per record cost this thread a
        // quarter of a core at 300,000 records/s, and on 2 cores that is taken from the pipeline it feeds.
        using var native = new Attribution.Host.Kafka.NativeProducer(producer);
        IntPtr rkt = native.Topic(topic);
        byte[] buffer = new byte[64 << 10];
        byte[] sequenceKey = new byte[4];
        int count = (int)Math.Min(lines.Count - first, rate * seconds);
        long startMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 20;
        long startTicks = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 50);
        double ticksPerEvent = Stopwatch.Frequency / rate;
        started?.Invoke(startMs);
        int i = 0;
        while (i < count)
        {
            // Every event due by now goes out, then the thread sleeps (≥ 1 ms on Linux): a producer that spun or yielded
            // between events 3–4 µs apart would keep a core busy that the pipeline and the broker need on this 2-core
            // machine. Each event keeps its intended time, so the bursts (≤ one sleep long) count in the latency.
            long now = Stopwatch.GetTimestamp();
            if (startTicks + (long)(i * ticksPerEvent) > now)
            {
                Thread.Sleep(1);
                continue;
            }
            for (; i < count && startTicks + (long)(i * ticksPerEvent) <= now; i++)
            {
                ReadOnlySpan<byte> line = lines[first + i];
                line.CopyTo(buffer);
                Span<byte> value = buffer.AsSpan(0, line.Length);
                SetTimestamp(value, startMs + (long)(i * 1000.0 / rate));
                ReadOnlySpan<byte> key = keyedByUser ? UserId(value) : SequenceKey(i, sequenceKey);
                while (!native.TryProduce(rkt, -1, key, value, 0, default, default))
                {
                    producer.Poll(TimeSpan.FromMilliseconds(5)); // librdkafka's queue is full: let it send
                }
                if ((i & 4095) == 0)
                {
                    progress?.Invoke(i);
                }
            }
        }
        Flush(producer);
        double elapsed = (Stopwatch.GetTimestamp() - startTicks) / (double)Stopwatch.Frequency;
        return (count, count / elapsed);
    }

    private static void Produce(IProducer<byte[], byte[]> producer, string topic, byte[] key, byte[] value)
    {
        var message = new Message<byte[], byte[]> { Key = key, Value = value };
        while (true)
        {
            try
            {
                producer.Produce(topic, message);
                return;
            }
            catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(5));
            }
        }
    }

    private static void Flush(IProducer<byte[], byte[]> producer)
    {
        if (producer.Flush(TimeSpan.FromSeconds(120)) != 0)
        {
            throw new InvalidOperationException("The generated events could not all be delivered to the embedded broker within 120 s.");
        }
    }

    /// <summary>The Kafka key of record <paramref name="sequence"/>: its user id, or its sequence number (big-endian) for mis-keyed input.</summary>
    private static byte[] Key(ReadOnlySpan<byte> line, int sequence, bool keyedByUser)
        => keyedByUser ? UserId(line).ToArray() : SequenceKey(sequence, new byte[4]);

    // Not keyed by user: the record's sequence number, big-endian, spreads the records over the partitions.
    private static byte[] SequenceKey(int sequence, byte[] into)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(into, sequence);
        return into;
    }

    /// <summary>The 36-character user id of a generated line (the Kafka key upstream).</summary>
    public static ReadOnlySpan<byte> UserId(ReadOnlySpan<byte> line)
    {
        int at = line.IndexOf(UserField);
        return at < 0 ? throw new InvalidOperationException("A generated line has no user_id.") : line.Slice(at + UserField.Length, 36);
    }

    /// <summary>Overwrites the line's 13-digit epoch-ms timestamp in place (the generator's values have 13 digits too).</summary>
    public static void SetTimestamp(Span<byte> line, long epochMs)
    {
        int at = line.IndexOf(TimestampField);
        if (at < 0 || !Utf8Formatter.TryFormat(epochMs, line.Slice(at + TimestampField.Length, 13), out int written) || written != 13)
        {
            throw new InvalidOperationException("A generated line has no 13-digit timestamp.");
        }
    }
}
