using Attribution.Engine.Events;

namespace Attribution.Engine.Codecs;

/// <summary>Reads a field of a record passed by <c>in</c> without the defensive copy that calling the non-readonly
/// <see cref="EventRecord.Get"/> on a readonly reference makes (the record is about 800 bytes).</summary>
internal static class RecordFields
{
    /// <summary>The bytes of <paramref name="field"/> in <paramref name="record"/> (empty when absent).</summary>
    public static ReadOnlySpan<byte> Get(in EventRecord record, Utf8Field field)
        => field.Length <= 0 ? ReadOnlySpan<byte>.Empty : ((ReadOnlySpan<byte>)record.Bytes).Slice(field.Offset, field.Length);
}
