namespace Attribution.Engine.Events;

/// <summary>
/// Where a string field's UTF-8 bytes (already unescaped) sit inside an <see cref="EventRecord"/>'s
/// inline buffer. <see cref="Length"/> is -1 when the field was absent or JSON null.
/// </summary>
public struct Utf8Field
{
    /// <summary>Byte offset in the record's buffer.</summary>
    public ushort Offset;
    /// <summary>Byte length, or -1 when absent.</summary>
    public short Length;

    /// <summary>An absent field.</summary>
    public static Utf8Field Absent => new() { Offset = 0, Length = -1 };

    /// <summary>True when the field was present (possibly empty).</summary>
    public readonly bool IsPresent => Length >= 0;
}
