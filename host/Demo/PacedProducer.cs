using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;

namespace Attribution.Host.Demo;

/// <summary>
/// Sends the demo's generated records to the input topic on the pace's schedule (event i is due i / rate seconds
/// after the start) and stamps each record with its due time, so latency is measured from when a record should
/// have been sent: a generator that falls behind (a pause, a full queue) counts against the latency instead of
/// hiding it. Records how far behind its schedule it fell and when it handed over the last record.
/// </summary>
internal sealed class PacedProducer : IDisposable
{
    private const string InputTopic = "raw-events";
    private readonly string _bootstrap;
    private readonly DemoOptions _demo;
    private readonly TrafficGenerator _generator;
    private readonly IProducer<string?, byte[]?> _producer;
    private double _finishedSeconds = double.NaN;
    private double _maxBehindSeconds;
    private double _maxBehindAtSeconds = double.NaN;

    /// <summary>
    /// A producer for <paramref name="demo"/>'s traffic, connected to the broker before it returns, so that starting
    /// the client is not counted as the generator falling behind its schedule.
    /// </summary>
    public PacedProducer(string bootstrap, DemoOptions demo, TrafficGenerator generator)
    {
        _bootstrap = bootstrap;
        _demo = demo;
        _generator = generator;
        Ends = new long[demo.Partitions];
        var config = new ProducerConfig
        {
            BootstrapServers = bootstrap,
            EnableIdempotence = true,
            LingerMs = 5,
            CompressionType = CompressionType.Lz4,
            Partitioner = Partitioner.Murmur2Random, // what Java producers upstream use for keyed records
            ClientId = "demo-generator",
        };
        _producer = new ProducerBuilder<string?, byte[]?>(config).SetLogHandler((_, _) => { }).Build();
        using var admin = new DependentAdminClientBuilder(_producer.Handle).Build();
        admin.GetMetadata(InputTopic, TimeSpan.FromSeconds(30));
    }

    /// <summary>The end offset of each input partition once every record is delivered.</summary>
    public long[] Ends { get; }

    /// <summary>Seconds from the first record's due time until the last record was handed to the producer; NaN until then.</summary>
    public double FinishedSeconds => Volatile.Read(ref _finishedSeconds);

    /// <summary>The most the generator was behind its schedule, in seconds.</summary>
    public double MaxBehindSeconds => Volatile.Read(ref _maxBehindSeconds);

    /// <summary>When (seconds since the start) the generator was furthest behind its schedule; NaN if it never was.</summary>
    public double MaxBehindAtSeconds => Volatile.Read(ref _maxBehindAtSeconds);

    /// <summary>
    /// Produces every record, waits for their delivery and reads the partitions' end offsets. The schedule starts at
    /// <paramref name="sendStartUnixMs"/>, when <paramref name="clock"/> (running) read zero; event times start at <paramref name="eventStartMs"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The records could not all be delivered within 60 s.</exception>
    public void Run(long eventStartMs, long sendStartUnixMs, Stopwatch clock)
    {
        var producer = _producer;
        int rate = _demo.Rate;
        for (long i = 0; i < _demo.Events; i++)
        {
            if (rate > 0 && (i & 63) == 0)
            {
                double ahead = (double)i / rate - clock.Elapsed.TotalSeconds;
                if (ahead > 0.002)
                {
                    Thread.Sleep(TimeSpan.FromSeconds(ahead));
                }
                else if (-ahead > _maxBehindSeconds)
                {
                    Volatile.Write(ref _maxBehindSeconds, -ahead);
                    Volatile.Write(ref _maxBehindAtSeconds, (double)i / rate);
                }
            }
            // Paced, event time follows the schedule rather than the wall clock, so the traffic can be generated again.
            long now = rate > 0 ? TrafficGenerator.PacedClock(eventStartMs, i, rate) : eventStartMs + clock.ElapsedMilliseconds;
            var (user, value) = _generator.Next(now);
            var message = new Message<string?, byte[]?> { Key = Key(_demo.InputKeys, user, i), Value = value };
            if (rate > 0)
            {
                message.Timestamp = new Timestamp(TrafficGenerator.PacedClock(sendStartUnixMs, i, rate), TimestampType.CreateTime);
            }
            var target = new TopicPartition(InputTopic, _demo.InputKeys == DemoInputKeys.RoundRobin ? new Partition((int)(i % _demo.Partitions)) : Partition.Any);
            while (true)
            {
                try
                {
                    producer.Produce(target, message);
                    break;
                }
                catch (ProduceException<string?, byte[]?> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(5));
                }
            }
        }
        Volatile.Write(ref _finishedSeconds, clock.Elapsed.TotalSeconds);
        if (producer.Flush(TimeSpan.FromSeconds(60)) != 0)
        {
            throw new InvalidOperationException("the generated events could not all be delivered to the embedded broker within 60 s");
        }
        using var reader = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = _bootstrap, GroupId = "demo-marks" }).Build();
        for (int p = 0; p < Ends.Length; p++)
        {
            Ends[p] = reader.QueryWatermarkOffsets(new TopicPartition(InputTopic, p), TimeSpan.FromSeconds(30)).High.Value;
        }
    }

    /// <summary>Closes the producer.</summary>
    public void Dispose() => _producer.Dispose();

    // Anything but User makes the input mis-keyed: a user's events land on several partitions.
    private static string? Key(DemoInputKeys keys, string user, long index) => keys switch
    {
        DemoInputKeys.User => user,
        DemoInputKeys.Session => string.Create(CultureInfo.InvariantCulture, $"session-{index % 10_007}"),
        _ => null,
    };
}
