using System.Runtime.InteropServices;
using Attribution.Engine.State;

namespace Attribution.Testing.State;

/// <summary>
/// An <see cref="IStateTable"/> for tests: a dictionary of byte arrays. Read and Delete probe
/// with the span itself (no key array); Upsert of an existing key overwrites the stored value
/// array in place when the length is unchanged, so a steady key set allocates nothing. A new key,
/// or a value of a new length, allocates arrays. Owned by one thread.
/// </summary>
internal sealed class InMemoryStateTable : IStateTable
{
    private readonly Dictionary<byte[], byte[]> _entries;
    private readonly Dictionary<byte[], byte[]>.AlternateLookup<ReadOnlySpan<byte>> _lookup;

    /// <summary>Creates an empty table.</summary>
    public InMemoryStateTable(int capacity = 0)
    {
        _entries = new Dictionary<byte[], byte[]>(capacity, ByteKeyComparer.Instance);
        _lookup = _entries.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    /// <inheritdoc />
    public long Count => _entries.Count;

    /// <inheritdoc />
    /// <remarks>A dictionary has nothing worth loading ahead.</remarks>
    public void Prefetch(ReadOnlySpan<byte> key)
    {
    }

    /// <inheritdoc />
    public long StoredBytes
    {
        get
        {
            long bytes = 0;
            foreach (KeyValuePair<byte[], byte[]> entry in _entries)
            {
                bytes += entry.Key.Length + entry.Value.Length;
            }
            return bytes;
        }
    }

    /// <inheritdoc />
    /// <remarks>Everything is in memory.</remarks>
    public long OnDiskBytes => 0;

    /// <inheritdoc />
    public int Read(ReadOnlySpan<byte> key, Span<byte> destination)
    {
        if (!_lookup.TryGetValue(key, out byte[]? value))
        {
            return -1;
        }
        if (value.Length > destination.Length)
        {
            throw new ArgumentException($"The destination holds {destination.Length} bytes but the value has {value.Length}; pass IStateTable.MaxValueBytes.", nameof(destination));
        }
        value.CopyTo(destination);
        return value.Length;
    }

    /// <inheritdoc />
    public void Upsert(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (key.Length > IStateTable.MaxKeyBytes)
        {
            throw new ArgumentException($"A key has {key.Length} bytes, more than IStateTable.MaxKeyBytes ({IStateTable.MaxKeyBytes}).", nameof(key));
        }
        if (value.Length > IStateTable.MaxValueBytes)
        {
            throw new ArgumentException($"A value has {value.Length} bytes, more than IStateTable.MaxValueBytes ({IStateTable.MaxValueBytes}).", nameof(value));
        }
        ref byte[]? slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_lookup, key, out bool exists);
        if (exists && slot!.Length == value.Length)
        {
            value.CopyTo(slot);
        }
        else
        {
            slot = value.ToArray();
        }
    }

    /// <inheritdoc />
    public void Merge(ReadOnlySpan<byte> key, IValueMerger merger)
    {
        bool exists = _lookup.TryGetValue(key, out byte[]? stored);
        if (merger.TryMerge(exists ? stored : default, exists, out ReadOnlySpan<byte> merged))
        {
            Upsert(key, merged);
        }
    }

    /// <inheritdoc />
    public bool Delete(ReadOnlySpan<byte> key) => _lookup.Remove(key);

    /// <inheritdoc />
    public long Sweep<TSweeper>(ref TSweeper sweeper) where TSweeper : struct, IStateSweeper
    {
        long removed = 0;
        // Removing the current entry during enumeration is supported by Dictionary since .NET Core 3.0.
        foreach (KeyValuePair<byte[], byte[]> entry in _entries)
        {
            if (sweeper.ShouldDelete(entry.Key, entry.Value))
            {
                _entries.Remove(entry.Key);
                removed++;
            }
        }
        return removed;
    }

    /// <inheritdoc />
    /// <remarks>A dictionary has no stable order to resume from: every step is a whole pass.</remarks>
    public long SweepStep<TSweeper>(ref TSweeper sweeper, long maxBytes, out bool passCompleted) where TSweeper : struct, IStateSweeper
    {
        passCompleted = true;
        return Sweep(ref sweeper);
    }

    /// <inheritdoc />
    public void Dispose() => _entries.Clear();
}
