namespace Attribution.Host.Run;

/// <summary>
/// Rejected records waiting for a transaction. The source thread adds them in offset order; the
/// transaction loop takes those below each partition's commit point (the rest wait for the next one).
/// </summary>
internal sealed class DeadLetterQueue
{
    private readonly object _lock = new();
    private List<DeadLetter> _pending = new();

    /// <summary>Queues one record.</summary>
    public void Add(DeadLetter letter)
    {
        lock (_lock)
        {
            _pending.Add(letter);
        }
    }

    /// <summary>Removes and returns the records whose offset is below <paramref name="commitPoint"/> of their partition (-1 = none).</summary>
    public List<DeadLetter> Take(Func<int, long> commitPoint)
    {
        lock (_lock)
        {
            if (_pending.Count == 0)
            {
                return [];
            }
            var taken = new List<DeadLetter>();
            var kept = new List<DeadLetter>();
            foreach (var d in _pending)
            {
                (d.Offset < commitPoint(d.Partition) ? taken : kept).Add(d);
            }
            _pending = kept;
            return taken;
        }
    }

    /// <summary>Drops the records of <paramref name="partition"/>, or all when it is null.</summary>
    public void Discard(int? partition = null)
    {
        lock (_lock)
        {
            _pending.RemoveAll(d => partition is null || d.Partition == partition);
        }
    }
}
