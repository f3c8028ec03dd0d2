namespace Attribution.Host.Run;

/// <summary>
/// Two <see cref="PendingOutputs"/> buffers passed between the threads that fill one (under <see cref="Gate"/>) and the
/// transaction loop, which takes it whole each cycle and gives it back after producing it: no copy, no allocation.
/// </summary>
internal sealed class PendingExchange
{
    private PendingOutputs? _spare = new();

    /// <summary>Held while adding to <see cref="Filling"/>.</summary>
    public object Gate { get; } = new();

    /// <summary>The buffer being filled; use only while holding <see cref="Gate"/>.</summary>
    public PendingOutputs Filling { get; private set; } = new();

    /// <summary>Takes everything added so far; give it back with <see cref="Return"/>.</summary>
    public PendingOutputs Take()
    {
        lock (Gate)
        {
            var taken = Filling;
            Filling = _spare ?? throw new InvalidOperationException("The previously taken buffer was not returned.");
            _spare = null;
            return taken;
        }
    }

    /// <summary>Returns a taken buffer for reuse.</summary>
    public void Return(PendingOutputs buffer)
    {
        buffer.Clear();
        lock (Gate)
        {
            _spare = buffer;
        }
    }

    /// <summary>Drops everything added and not yet taken.</summary>
    public void Discard()
    {
        lock (Gate)
        {
            Filling.Clear();
        }
    }
}
