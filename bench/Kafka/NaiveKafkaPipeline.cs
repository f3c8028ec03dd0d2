using Attribution.Bench.Baseline;
using Confluent.Kafka;

namespace Attribution.Bench.Kafka;

/// <summary>
/// The Kafka job written the usual way, the peer of <see cref="Attribution.Host.Run.KafkaPipeline"/>:
/// one thread consumes one record at a time, deserializes it to classes and keeps state in a
/// Dictionary (<see cref="NaiveAttributor"/>), produces each output with one Produce call (batched
/// by librdkafka's linger, not awaited one by one: the faster of the usual ways), and lets the
/// consumer auto-commit offsets every 5 s (at-least-once, no transactions).
/// </summary>
internal sealed class NaiveKafkaPipeline
{
    private readonly string _bootstrap;
    private readonly string _input;
    private readonly string _output;
    private readonly IReadOnlyDictionary<string, string> _properties;
    private long _consumed;

    public NaiveKafkaPipeline(string bootstrap, string input, string output, IReadOnlyDictionary<string, string> properties)
    {
        _properties = properties;
        _bootstrap = bootstrap;
        _input = input;
        _output = output;
    }

    /// <summary>Records consumed so far (read by the progress sampler).</summary>
    public long Consumed => Volatile.Read(ref _consumed);

    /// <summary>Outputs produced.</summary>
    public long Produced { get; private set; }

    /// <summary>Seconds from the first record consumed until <see cref="Run"/> saw its last one (and flushed the producer).</summary>
    public double ActiveSeconds { get; private set; }

    /// <summary>Seconds from the first record consumed until half of the requested events were (throughput phase).</summary>
    public double HalfSeconds { get; private set; }

    /// <summary>Events/s over the second half of the requested events (JIT warm, caches full).</summary>
    public double SecondHalfPerSecond(long events) => (events - (events / 2)) / (ActiveSeconds - HalfSeconds);

    /// <summary>
    /// Runs until <paramref name="events"/> records were consumed (throughput phase) or, with
    /// <paramref name="events"/> = 0, until <paramref name="stop"/> is cancelled.
    /// </summary>
    public void Run(long events, CancellationToken stop, ManualResetEventSlim? ready = null)
    {
        var attributor = new NaiveAttributor();
        using IProducer<string, byte[]> producer = new ProducerBuilder<string, byte[]>(new ProducerConfig(_properties.ToDictionary())
        {
            BootstrapServers = _bootstrap,
            LingerMs = 5,
            CompressionType = CompressionType.Lz4,
            ClientId = "naive-pipeline",
        }).SetLogHandler((_, _) => { }).Build();
        using IConsumer<string, byte[]> consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig(_properties.ToDictionary())
        {
            BootstrapServers = _bootstrap,
            GroupId = "naive-" + _input,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = true,
            FetchWaitMaxMs = 10,
            ClientId = "naive-pipeline",
        }).SetLogHandler((_, _) => { }).SetPartitionsAssignedHandler((_, _) => ready?.Set()).Build();
        consumer.Subscribe(_input);
        System.Diagnostics.Stopwatch? clock = null;
        while (!stop.IsCancellationRequested && (events == 0 || _consumed < events))
        {
            ConsumeResult<string, byte[]>? r = consumer.Consume(TimeSpan.FromMilliseconds(50));
            if (r?.Message?.Value is null)
            {
                continue;
            }
            clock ??= System.Diagnostics.Stopwatch.StartNew();
            byte[]? output = attributor.Attribute(r.Message.Value, out string? user);
            if (output is not null)
            {
                Produce(producer, new Message<string, byte[]> { Key = user!, Value = output });
                Produced++;
            }
            Volatile.Write(ref _consumed, _consumed + 1);
            if (_consumed == events / 2)
            {
                HalfSeconds = clock.Elapsed.TotalSeconds;
            }
        }
        producer.Flush(TimeSpan.FromSeconds(60));
        ActiveSeconds = clock?.Elapsed.TotalSeconds ?? 0;
        consumer.Close();
    }

    private void Produce(IProducer<string, byte[]> producer, Message<string, byte[]> message)
    {
        while (true)
        {
            try
            {
                producer.Produce(_output, message);
                return;
            }
            catch (ProduceException<string, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(5));
            }
        }
    }
}
