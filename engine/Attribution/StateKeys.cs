using System.Buffers.Binary;
using Attribution.Engine.State;

namespace Attribution.Engine.Attribution;

/// <summary>
/// Byte layout of the attribution state keys. The partition comes first so that a partition's
/// keys are recognisable without decoding the rest (dropping a partition, per-partition snapshots);
/// the user id is length-prefixed so (user "ab", campaign "c") and (user "a", campaign "bc") differ.
/// <code>
/// click key:      [u16 partition LE][u8 userLen][user bytes][campaign_id bytes]
/// conversion key: [u16 partition LE][u8 userLen][user bytes][conversion event_id bytes]
/// </code>
/// With ids of at most <see cref="Events.EventRecord.MaxIdBytes"/> bytes a key fits <see cref="IStateTable.MaxKeyBytes"/>.
/// </summary>
internal static class StateKeys
{
    /// <summary>Bytes before the user id.</summary>
    public const int HeaderBytes = 3;

    /// <summary>Writes a key (either table: the tail is the campaign id or the conversion id); returns its length.</summary>
    public static int Write(Span<byte> destination, int partition, ReadOnlySpan<byte> userId, ReadOnlySpan<byte> tail)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(destination, (ushort)partition);
        destination[2] = (byte)userId.Length;
        userId.CopyTo(destination.Slice(HeaderBytes));
        tail.CopyTo(destination.Slice(HeaderBytes + userId.Length));
        return HeaderBytes + userId.Length + tail.Length;
    }

    /// <summary>The partition a key belongs to.</summary>
    public static int Partition(ReadOnlySpan<byte> key)
    {
        if (key.Length < HeaderBytes)
        {
            AttributionThrowHelper.ThrowCorruptState($"a state key of {key.Length} bytes is shorter than its header");
        }
        return BinaryPrimitives.ReadUInt16LittleEndian(key);
    }
}
