namespace Attribution.Engine.Ring;

/// <summary>
/// How a consumer waits for a sequence to become available. The built-in strategies are structs
/// (or a sealed class) and each barrier is generic over its strategy, so the JIT compiles the
/// wait loop per strategy with no interface call inside it.
/// </summary>
internal interface IWaitStrategy
{
    /// <summary>True when consumers may sleep on a signal, so publishers must call <see cref="SignalAllWhenBlocking"/>.</summary>
    bool IsBlocking { get; }

    /// <summary>
    /// Waits until <see cref="SequenceBarrier.CursorValue"/> reaches <paramref name="sequence"/> and returns it
    /// (it may be higher). Returns a smaller value only when the barrier is alerted; it then re-reads the
    /// cursor after seeing the alert, so everything published before the alert is included.
    /// </summary>
    long WaitFor(long sequence, SequenceBarrier barrier);

    /// <summary>Wakes consumers blocked in <see cref="WaitFor"/> (after a publish or an alert).</summary>
    void SignalAllWhenBlocking();
}
