using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;

namespace Attribution.Host.Replay;

/// <summary>
/// The identity of the input lines consumed so far: their count and an XXH3 hash of their bytes,
/// extended line by line as they are read, so a snapshot records it at no extra pass over the input.
/// A resume re-reads the consumed lines anyway (positions are line numbers), so checking them costs
/// hashing only, at many GB/s; unlike a sample, it catches a change anywhere in the consumed part.
/// </summary>
public sealed class InputFingerprint
{
    private readonly XxHash3 _hash = new();

    /// <summary>Lines added.</summary>
    public long Lines { get; private set; }

    /// <summary>Bytes of the lines added, one separator each (a CR before it is not counted).</summary>
    public long Bytes { get; private set; }

    /// <summary>Adds one line as <see cref="LineReader.TryReadLine"/> returned it.</summary>
    public void Add(ReadOnlySpan<byte> line, bool truncated, long fullLength)
    {
        _hash.Append(line);
        if (truncated)
        {
            // Only the length of a line beyond the reader's limit is known.
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(length, fullLength);
            _hash.Append(length);
        }
        _hash.Append("\n"u8);
        Lines++;
        Bytes += fullLength + 1;
    }

    /// <summary>The hash of the lines added so far, as text for a manifest.</summary>
    public string Digest => "xxh3:" + _hash.GetCurrentHashAsUInt64().ToString("x16", CultureInfo.InvariantCulture);
}
