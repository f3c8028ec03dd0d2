using Attribution.Engine.State;
using Attribution.Testing.State;

namespace Attribution.Tests.Engine.Attribution;

/// <summary>An in-memory <see cref="IStateTable"/> that counts the per-key operations made on it.</summary>
internal sealed class CountingStateTable : IStateTable
{
    private readonly InMemoryStateTable _inner = new();

    /// <summary>Reads, upserts, merges and deletes so far.</summary>
    public long Operations { get; private set; }

    /// <inheritdoc />
    public long Count => _inner.Count;

    /// <inheritdoc />
    public long StoredBytes => _inner.StoredBytes;

    /// <inheritdoc />
    public long OnDiskBytes => _inner.OnDiskBytes;

    /// <inheritdoc />
    public void Prefetch(ReadOnlySpan<byte> key) => _inner.Prefetch(key);

    /// <inheritdoc />
    public int Read(ReadOnlySpan<byte> key, Span<byte> destination)
    {
        Operations++;
        return _inner.Read(key, destination);
    }

    /// <inheritdoc />
    public void Upsert(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        Operations++;
        _inner.Upsert(key, value);
    }

    /// <inheritdoc />
    public void Merge(ReadOnlySpan<byte> key, IValueMerger merger)
    {
        Operations++;
        _inner.Merge(key, merger);
    }

    /// <inheritdoc />
    public bool Delete(ReadOnlySpan<byte> key)
    {
        Operations++;
        return _inner.Delete(key);
    }

    /// <inheritdoc />
    public long Sweep<TSweeper>(ref TSweeper sweeper) where TSweeper : struct, IStateSweeper => _inner.Sweep(ref sweeper);

    /// <inheritdoc />
    public long SweepStep<TSweeper>(ref TSweeper sweeper, long maxBytes, out bool passCompleted) where TSweeper : struct, IStateSweeper
        => _inner.SweepStep(ref sweeper, maxBytes, out passCompleted);

    /// <inheritdoc />
    public void Dispose() => _inner.Dispose();
}
