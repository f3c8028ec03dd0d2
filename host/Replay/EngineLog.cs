namespace Attribution.Host.Replay;

/// <summary>The engine's log lines on standard error, until the run has stopped with its own sentence.</summary>
internal sealed class EngineLog(TextWriter stderr)
{
    private readonly object _gate = new();
    private bool _closed;

    /// <summary>Writes one engine line (any thread), unless the run already stopped.</summary>
    public void Write(string line)
    {
        lock (_gate)
        {
            if (!_closed)
            {
                stderr.WriteLine($"attribution replay: {line}");
            }
        }
    }

    /// <summary>Stops writing: the run's stop sentence comes next and stays last.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
        }
    }
}
