namespace Attribution.Engine.State;

/// <summary>
/// Computes a key's new value from its stored one inside <see cref="IStateTable.Merge"/>, so a
/// read-modify-write costs one table operation. Owned by the table's thread.
/// </summary>
internal interface IValueMerger
{
    /// <summary>
    /// Computes the value to store from <paramref name="stored"/> (empty and <paramref name="exists"/>
    /// false when the key is absent) into <paramref name="merged"/> (the merger's own buffer, valid
    /// until its next call); returns false to leave the stored value as it is. Must depend only on
    /// its arguments and the merger's request: a table may call it more than once per operation
    /// (e.g. to size a new record, then to fill it).
    /// </summary>
    bool TryMerge(scoped ReadOnlySpan<byte> stored, bool exists, out ReadOnlySpan<byte> merged);
}
