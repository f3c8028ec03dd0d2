namespace Attribution.Engine.Codecs;

/// <summary>What a decoder saw for one known field; turned into a <see cref="Events.RejectReason"/> once the whole record is read.</summary>
internal enum FieldState : byte
{
    /// <summary>Not in the record.</summary>
    Absent = 0,
    /// <summary>Present with a null value (treated as absent).</summary>
    Null = 1,
    /// <summary>Present, right type, stored in the record.</summary>
    Present = 2,
    /// <summary>Present with the wrong wire type.</summary>
    WrongType = 3,
    /// <summary>A string longer than its slot.</summary>
    TooLong = 4,
}
