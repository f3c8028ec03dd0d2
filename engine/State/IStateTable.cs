namespace Attribution.Engine.State;

/// <summary>
/// A byte-keyed, byte-valued table owned by one shard thread (not thread-safe). The attribution
/// core keeps its state in two of these (last clicks, attributed conversion ids); Stage 1 backs
/// them with an in-memory dictionary, Stage 2 with FASTER. Keys compare by exact bytes: two
/// different keys never share an entry, whatever their hashes.
/// </summary>
internal interface IStateTable : IDisposable
{
    /// <summary>Largest value a table accepts, in bytes.</summary>
    public const int MaxValueBytes = 2048;

    /// <summary>Largest key a table accepts, in bytes.</summary>
    public const int MaxKeyBytes = 2 + 1 + 128 + 128;

    /// <summary>
    /// Copies the value stored for <paramref name="key"/> into <paramref name="destination"/> and
    /// returns its length, or -1 when the key is absent. <paramref name="destination"/> must hold
    /// <see cref="MaxValueBytes"/>.
    /// </summary>
    int Read(ReadOnlySpan<byte> key, Span<byte> destination);

    /// <summary>Inserts or replaces the value for <paramref name="key"/>.</summary>
    void Upsert(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);

    /// <summary>
    /// Replaces the value of <paramref name="key"/> with what <paramref name="merger"/> computes from
    /// the stored one (inserting when absent), in one operation; nothing changes when it declines.
    /// </summary>
    void Merge(ReadOnlySpan<byte> key, IValueMerger merger);

    /// <summary>Removes <paramref name="key"/>; returns false when it was absent.</summary>
    bool Delete(ReadOnlySpan<byte> key);

    /// <summary>Number of live entries.</summary>
    long Count { get; }

    /// <summary>
    /// Visits every live entry and deletes those the sweeper selects (expiry, dropping a
    /// partition). Returns how many were deleted. Not on the per-event path.
    /// </summary>
    long Sweep<TSweeper>(ref TSweeper sweeper) where TSweeper : struct, IStateSweeper;

    /// <summary>
    /// One bounded step of an incremental sweep: visits the stored records that follow where the previous
    /// step stopped, about <paramref name="maxBytes"/> of them (at least one), and deletes the live entries
    /// the sweeper selects. <paramref name="passCompleted"/> is true when the step reached the end of a pass;
    /// the next step then starts a new one. Every entry that was live when a pass started is visited by
    /// that pass (entries written or moved during it, by the next). The sweeper must decide from the key
    /// and value alone: it may also be shown older versions of a key, which are never deleted.
    /// Returns how many entries were deleted.
    /// </summary>
    long SweepStep<TSweeper>(ref TSweeper sweeper, long maxBytes, out bool passCompleted) where TSweeper : struct, IStateSweeper;

    /// <summary>Bytes an incremental sweep pass would visit now (all stored records, live or not); for sizing steps.</summary>
    long StoredBytes { get; }

    /// <summary>
    /// Bytes of the stored records that are on disk only, past the table's memory budget (a look-up of one of them
    /// waits for I/O); 0 while everything stored fits in memory. Read without a lock: a figure for monitoring.
    /// </summary>
    long OnDiskBytes { get; }

    /// <summary>
    /// A hint that <paramref name="key"/> will be looked up soon: a table may start loading what the look-up needs.
    /// Changes nothing and never throws; doing nothing is a correct implementation.
    /// </summary>
    void Prefetch(ReadOnlySpan<byte> key);
}

/// <summary>Decides, entry by entry, what <see cref="IStateTable.Sweep{TSweeper}"/> deletes.</summary>
internal interface IStateSweeper
{
    /// <summary>True to delete the entry.</summary>
    bool ShouldDelete(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);
}
