namespace Attribution.Host.Run;

/// <summary>
/// How the run stands, shared by every role: the first fatal sentence (set once, by whichever thread meets
/// it: the source, the transaction loop, a client's error callback) and whether the host is stopping.
/// </summary>
internal sealed class RunState
{
    private string? _fatal;
    private volatile bool _stopping;
    private volatile bool _joined;

    /// <summary>The one-sentence reason the run stopped with an error, or null.</summary>
    public string? Fatal => Volatile.Read(ref _fatal);

    /// <summary>Whether a fatal error was met.</summary>
    public bool Failed => Fatal is not null;

    /// <summary>Set once the host began its stop (recovery stops retrying Kafka then).</summary>
    public bool Stopping => _stopping;

    /// <summary>Records a fatal error; the first one wins.</summary>
    public void Fail(string sentence) => Interlocked.CompareExchange(ref _fatal, sentence, null);

    /// <summary>Set once the consumer joined its group and took its first assignment (empty for a standby).</summary>
    public bool Joined => _joined;

    /// <summary>Marks the first completed assignment.</summary>
    public void Join() => _joined = true;

    /// <summary>Marks the stop.</summary>
    public void Stop() => _stopping = true;
}
