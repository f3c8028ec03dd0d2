using Attribution.Engine.Events;

namespace Attribution.Engine.Codecs;

/// <summary>Decodes one upstream JSON event (DESIGN §2) from UTF-8 bytes into an <see cref="EventRecord"/> without allocating.</summary>
public static class JsonEventReader
{
    /// <summary>
    /// Decodes <paramref name="utf8"/> into <paramref name="record"/> (which is reset first).
    /// Returns <see cref="RejectReason.None"/> on success, else the reason the record is rejected.
    /// Never throws on any input.
    /// </summary>
    public static RejectReason Read(ReadOnlySpan<byte> utf8, ref EventRecord record, int maxRecordBytes)
        => throw new NotImplementedException("Stage 1 codec");
}
