namespace Attribution.Host.Run;

/// <summary>A consumed record value left in <see cref="RawValueDeserializer.Buffer"/> (valid until the next consume).</summary>
/// <param name="Length">Bytes in the buffer.</param>
/// <param name="IsNull">The record had no value (a tombstone).</param>
internal readonly record struct RawValue(int Length, bool IsNull);
