using Attribution.Engine.Ring;

namespace Attribution.Bench.Ring;

/// <summary>The benchmark's ring handler: touches the event and records its latency.</summary>
internal struct RingConsumer<T, TPayload, TRecorder>(TRecorder recorder) : IEventHandler<T>
    where T : struct
    where TPayload : IBenchPayload<T>
    where TRecorder : ILatencyRecorder
{
    private TRecorder _recorder = recorder;
    public long Checksum;

    public void OnEvent(ref T evt, long sequence, bool endOfBatch)
    {
        Checksum += TPayload.Touch(ref evt);
        _recorder.Record(TPayload.StampOf(ref evt));
    }

    public void OnBatchStart(long batchSize)
    {
    }

    public void OnStart()
    {
    }

    public void OnShutdown()
    {
    }
}
