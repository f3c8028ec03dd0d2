namespace Attribution.Tests.Engine.Ring;

/// <summary>A ring slot for tests: who wrote it, its place in that producer's stream, and a checksum over both.</summary>
internal struct TestEvent
{
    public long Sequence;
    public int Producer;
    public long Counter;
    public long Checksum;

    public static long ChecksumOf(long sequence, int producer, long counter)
        => unchecked((sequence * -7046029254386353131L) ^ (counter * 0x5851F42D4C957F2DL) ^ (producer + 1L) * 0x2545F4914F6CDD1DL);

    public void Fill(long sequence, int producer, long counter)
    {
        Sequence = sequence;
        Producer = producer;
        Counter = counter;
        Checksum = ChecksumOf(sequence, producer, counter);
    }

    public readonly bool IsIntact => Checksum == ChecksumOf(Sequence, Producer, Counter);
}
