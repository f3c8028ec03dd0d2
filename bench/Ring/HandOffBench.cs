using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Attribution.Engine.Ring;

namespace Attribution.Bench.Ring;

/// <summary>
/// One producer thread (the caller) hands <c>events</c> events to one consumer thread through the chosen
/// mechanism. Generic over payload, stamp source and recorder so every combination is compiled on its own.
/// </summary>
internal static class HandOffBench
{
    /// <summary>Largest latency the histograms track (60 s), in nanoseconds.</summary>
    public const long HistogramMaxNanos = 60_000_000_000;

    /// <summary>Runs one hand-off; returns the seconds from the first publish to the last event consumed, and a checksum.</summary>
    public static (double Seconds, long Checksum) Run<T, TPayload, TStamp, TRecorder>(
        HandOff kind, long events, int capacity, TStamp stamps, TRecorder recorder)
        where T : struct
        where TPayload : IBenchPayload<T>
        where TStamp : IStampSource
        where TRecorder : ILatencyRecorder
        => kind switch
        {
            HandOff.RingBusySpin => RunRing<T, TPayload, TStamp, TRecorder>(new BusySpinWaitStrategy(), events, capacity, stamps, recorder),
            HandOff.RingYielding => RunRing<T, TPayload, TStamp, TRecorder>(new YieldingWaitStrategy(), events, capacity, stamps, recorder),
            HandOff.Channel => RunChannel<T, TPayload, TStamp, TRecorder>(events, capacity, stamps, recorder),
            HandOff.BlockingCollection => RunBlockingCollection<T, TPayload, TStamp, TRecorder>(events, capacity, stamps, recorder),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

    private static (double, long) RunRing<T, TPayload, TStamp, TRecorder>(
        IWaitStrategy wait, long events, int capacity, TStamp stamps, TRecorder recorder)
        where T : struct
        where TPayload : IBenchPayload<T>
        where TStamp : IStampSource
        where TRecorder : ILatencyRecorder
    {
        using var pipeline = new EventPipeline<T>(capacity, ProducerType.Single, wait);
        var consumer = pipeline.HandleEventsWith("bench-consumer", new RingConsumer<T, TPayload, TRecorder>(recorder))[0];
        pipeline.Start();
        RingBuffer<T> ring = pipeline.Ring;

        long start = Stopwatch.GetTimestamp();
        for (long i = 0; i < events; i++)
        {
            long stamp = stamps.Stamp(i);
            long seq = ring.Next();
            TPayload.Fill(ref ring[seq], i, stamp);
            ring.Publish(seq);
        }
        var spin = new SpinWait();
        while (consumer.Sequence.Value < events - 1)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (!pipeline.DrainAndStop(TimeSpan.FromSeconds(30)))
        {
            throw new InvalidOperationException("The ring consumer did not stop.");
        }
        return (seconds, consumer.Handler.Checksum);
    }

    private static (double, long) RunChannel<T, TPayload, TStamp, TRecorder>(
        long events, int capacity, TStamp stamps, TRecorder recorder)
        where T : struct
        where TPayload : IBenchPayload<T>
        where TStamp : IStampSource
        where TRecorder : ILatencyRecorder
    {
        var channel = System.Threading.Channels.Channel.CreateBounded<T>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
            AllowSynchronousContinuations = false,
        });
        long checksum = 0;
        var consumer = new Thread(() =>
        {
            ChannelReader<T> reader = channel.Reader;
            TRecorder rec = recorder;
            long n = 0;
            int idle = 0;
            while (n < events)
            {
                if (reader.TryRead(out T item))
                {
                    checksum += TPayload.Touch(ref item);
                    rec.Record(TPayload.StampOf(ref item));
                    n++;
                    idle = 0;
                }
                else if (++idle < 100)
                {
                    // Spin first, like the ring's consumers, so the channel is measured at its best.
                    Thread.SpinWait(1);
                }
                else
                {
                    idle = 0;
                    ValueTask<bool> ready = reader.WaitToReadAsync();
                    if (!ready.IsCompleted)
                    {
                        ready.AsTask().Wait();
                    }
                }
            }
        })
        { Name = "bench-channel-consumer", IsBackground = true };
        consumer.Start();

        ChannelWriter<T> writer = channel.Writer;
        T evt = default;
        long start = Stopwatch.GetTimestamp();
        for (long i = 0; i < events; i++)
        {
            TPayload.Fill(ref evt, i, stamps.Stamp(i));
            int idle = 0;
            while (!writer.TryWrite(evt))
            {
                if (++idle < 100)
                {
                    Thread.SpinWait(1);
                }
                else
                {
                    idle = 0;
                    ValueTask<bool> room = writer.WaitToWriteAsync();
                    if (!room.IsCompleted)
                    {
                        room.AsTask().Wait();
                    }
                }
            }
        }
        consumer.Join();
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return (seconds, checksum);
    }

    private static (double, long) RunBlockingCollection<T, TPayload, TStamp, TRecorder>(
        long events, int capacity, TStamp stamps, TRecorder recorder)
        where T : struct
        where TPayload : IBenchPayload<T>
        where TStamp : IStampSource
        where TRecorder : ILatencyRecorder
    {
        using var queue = new BlockingCollection<T>(new ConcurrentQueue<T>(), capacity);
        long checksum = 0;
        var consumer = new Thread(() =>
        {
            TRecorder rec = recorder;
            for (long n = 0; n < events; n++)
            {
                T item = queue.Take();
                checksum += TPayload.Touch(ref item);
                rec.Record(TPayload.StampOf(ref item));
            }
        })
        { Name = "bench-bc-consumer", IsBackground = true };
        consumer.Start();

        T evt = default;
        long start = Stopwatch.GetTimestamp();
        for (long i = 0; i < events; i++)
        {
            TPayload.Fill(ref evt, i, stamps.Stamp(i));
            queue.Add(evt);
        }
        consumer.Join();
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return (seconds, checksum);
    }
}
