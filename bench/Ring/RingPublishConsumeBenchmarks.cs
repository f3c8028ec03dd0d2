using System.Threading.Channels;
using Attribution.Engine.Events;
using Attribution.Engine.Ring;
using BenchmarkDotNet.Attributes;

namespace Attribution.Bench.Ring;

/// <summary>
/// BenchmarkDotNet view of publish + consume per event, with [MemoryDiagnoser] showing 0 B/op (its count
/// covers every thread, so the consumer thread's allocations would show too).
/// Run: <c>dotnet run -c Release --project bench -- ring --bdn --filter '*' [--job short]</c>.
/// </summary>
[MemoryDiagnoser]
public class RingPublishConsumeBenchmarks : IDisposable
{
    private const int Batch = 1024;

    private EventPipeline<SmallEvent> _pipeline = null!;
    private IEventProcessor _consumer = null!;
    private EventPipeline<EventRecord> _recordPipeline = null!;
    private IEventProcessor _recordConsumer = null!;
    private RingBuffer<SmallEvent> _sameThread = null!;
    private SequenceBarrier _sameThreadBarrier = null!;
    private Sequence _sameThreadConsumed = null!;
    private Channel<SmallEvent> _channel = null!;

    /// <summary>Starts the consumer threads and builds the same-thread ring and the channel.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _pipeline = new EventPipeline<SmallEvent>(16384, ProducerType.Single, new YieldingWaitStrategy());
        _consumer = _pipeline.HandleEventsWith("bdn-consumer", new RingConsumer<SmallEvent, SmallEventPayload, NoRecorder>(default))[0];
        _pipeline.Start();

        _recordPipeline = new EventPipeline<EventRecord>(16384, ProducerType.Single, new YieldingWaitStrategy());
        _recordConsumer = _recordPipeline.HandleEventsWith("bdn-record-consumer", new RingConsumer<EventRecord, EventRecordPayload, NoRecorder>(default))[0];
        _recordPipeline.Start();

        _sameThread = new RingBuffer<SmallEvent>(Batch * 2);
        _sameThreadBarrier = _sameThread.NewBarrier();
        _sameThreadConsumed = new Sequence();
        _sameThread.AddGatingSequences(_sameThreadConsumed);

        _channel = Channel.CreateBounded<SmallEvent>(new BoundedChannelOptions(Batch * 2) { SingleReader = true, SingleWriter = true });
    }

    /// <summary>Stops the consumer threads.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _pipeline.DrainAndStop(TimeSpan.FromSeconds(10));
        _recordPipeline.DrainAndStop(TimeSpan.FromSeconds(10));
    }

    /// <summary>Halts the consumer threads if cleanup did not run.</summary>
    public void Dispose()
    {
        _pipeline?.Dispose();
        _recordPipeline?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Publishes a batch of 64-byte events to a consumer thread and waits until it handled them.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public long Ring_to_consumer_thread_64B() => PublishAndWait<SmallEvent, SmallEventPayload>(_pipeline.Ring, _consumer);

    /// <summary>Same with the real EventRecord, decoded in place in the slot.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public long Ring_to_consumer_thread_EventRecord() => PublishAndWait<EventRecord, EventRecordPayload>(_recordPipeline.Ring, _recordConsumer);

    /// <summary>Claim, write, publish, then wait-for and read on the same thread: the protocol's own cost.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public long Ring_same_thread_64B()
    {
        RingBuffer<SmallEvent> ring = _sameThread;
        for (int i = 0; i < Batch; i++)
        {
            long seq = ring.Next();
            SmallEventPayload.Fill(ref ring[seq], seq, 0);
            ring.Publish(seq);
        }
        long next = _sameThreadConsumed.Value + 1;
        long available = _sameThreadBarrier.WaitFor(next);
        long sum = 0;
        for (long s = next; s <= available; s++)
        {
            sum += SmallEventPayload.Touch(ref ring[s]);
        }
        _sameThreadConsumed.Value = available;
        return sum;
    }

    /// <summary>Baseline: the bounded channel's TryWrite then TryRead on one thread.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public long Channel_same_thread_64B()
    {
        ChannelWriter<SmallEvent> writer = _channel.Writer;
        ChannelReader<SmallEvent> reader = _channel.Reader;
        SmallEvent evt = default;
        for (int i = 0; i < Batch; i++)
        {
            SmallEventPayload.Fill(ref evt, i, 0);
            writer.TryWrite(evt);
        }
        long sum = 0;
        while (reader.TryRead(out SmallEvent item))
        {
            sum += SmallEventPayload.Touch(ref item);
        }
        return sum;
    }

    private static long PublishAndWait<T, TPayload>(RingBuffer<T> ring, IEventProcessor consumer)
        where T : struct
        where TPayload : IBenchPayload<T>
    {
        long last = 0;
        for (int i = 0; i < Batch; i++)
        {
            last = ring.Next();
            TPayload.Fill(ref ring[last], last, 0);
            ring.Publish(last);
        }
        var spin = new SpinWait();
        while (consumer.Sequence.Value < last)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }
        return last;
    }
}
