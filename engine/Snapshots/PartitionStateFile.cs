using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Attribution.Engine.Attribution;
using Attribution.Engine.State;
using Attribution.Engine.State.Faster;

namespace Attribution.Engine.Snapshots;

/// <summary>What a partition state file holds: whose state, up to which input position, built under which settings.</summary>
/// <param name="Partition">The input partition.</param>
/// <param name="Position">The last input position applied to the state (-1: none).</param>
/// <param name="Watermark">The partition's watermark at that position.</param>
/// <param name="Clicks">Click-history entries.</param>
/// <param name="Conversions">Remembered conversion ids.</param>
/// <param name="Bytes">Size of the file.</param>
/// <param name="PendingEventTimes">The event-time guard's pending timestamps of the partition (its bootstrap or a run ahead of the watermark).</param>
public sealed record PartitionStateInfo(int Partition, long Position, long Watermark, long Clicks, long Conversions, long Bytes, long[] PendingEventTimes);

/// <summary>
/// The state of one input partition as a single self-checking file, so that a partition's state can
/// follow the partition to another host (a partition is the unit of ownership; docs/SCALING.md). Layout,
/// little-endian:
/// <code>
/// "ATTRPST2" | i32 partition | i64 position | i64 watermark | i64 window | i64 lateness | i64 retention | i32 click history
///            | i64 max clock skew | i32 clock confirmations | i32 pending count
/// pending event times of the event-time guard: i64 × pending count
/// click entries:      (i32 key length > 0 | key | i32 value length | value)* | i32 0
/// conversion entries: (same)* | i32 0
/// i64 clicks | i64 conversions | u64 XxHash64 of every byte before it
/// </code>
/// The state at a position is a function of the input up to it, so any complete file for a position at
/// or before the committed offset is a valid starting point, whoever wrote it. Version 1 files ("ATTRPST1") lack
/// the event-time guard's state and are refused with a sentence saying so (the partition is rebuilt from its input).
/// </summary>
public static class PartitionStateFile
{
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("ATTRPST2");
    private static readonly byte[] MagicVersion1 = Encoding.ASCII.GetBytes("ATTRPST1");
    private const int HeaderBytes = 8 + 4 + 8 + 8 + 8 + 8 + 8 + 4 + 8 + 4 + 4;

    /// <summary>Writes the state of <paramref name="partition"/> held by <paramref name="core"/> (on its shard thread).</summary>
    internal static PartitionStateInfo Write(Stream stream, AttributionCore<FasterStateTable> core, int partition, long position, long[] pending)
    {
        var writer = new HashingWriter(stream);
        Span<byte> header = stackalloc byte[HeaderBytes];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], partition);
        BinaryPrimitives.WriteInt64LittleEndian(header[12..], position);
        BinaryPrimitives.WriteInt64LittleEndian(header[20..], core.Watermarks.Get(partition));
        AttributionConfig c = core.Config;
        BinaryPrimitives.WriteInt64LittleEndian(header[28..], c.WindowMs);
        BinaryPrimitives.WriteInt64LittleEndian(header[36..], c.AllowedLatenessMs);
        BinaryPrimitives.WriteInt64LittleEndian(header[44..], c.EffectiveConversionRetentionMs);
        BinaryPrimitives.WriteInt32LittleEndian(header[52..], c.ClickHistory);
        BinaryPrimitives.WriteInt64LittleEndian(header[56..], c.EffectiveMaxClockSkewMs);
        BinaryPrimitives.WriteInt32LittleEndian(header[64..], c.ClockConfirmations);
        BinaryPrimitives.WriteInt32LittleEndian(header[68..], pending.Length);
        writer.Write(header);
        foreach (long t in pending)
        {
            writer.WriteLong(t);
        }
        long clicks = WriteTable(core.Clicks, writer, partition);
        long conversions = WriteTable(core.Conversions, writer, partition);
        Span<byte> trailer = stackalloc byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(trailer, clicks);
        BinaryPrimitives.WriteInt64LittleEndian(trailer[8..], conversions);
        writer.Write(trailer);
        Span<byte> hash = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(hash, writer.Hash.GetCurrentHashAsUInt64());
        stream.Write(hash);
        return new PartitionStateInfo(partition, position, core.Watermarks.Get(partition), clicks, conversions, writer.Length + 8, pending);
    }

    private static long WriteTable(FasterStateTable table, HashingWriter writer, int partition)
    {
        var exporter = new Exporter(writer, partition);
        table.Sweep(ref exporter); // selects nothing: the sweep is the table's scan of its live entries
        writer.WriteInt(0);
        return writer.Entries - exporter.StartEntries;
    }

    /// <summary>Reads and checks a whole file without changing any state; throws <see cref="InvalidDataException"/> with the reason when it is not usable.</summary>
    /// <param name="path">The file.</param>
    /// <param name="config">The settings the state must have been built under (null: not checked).</param>
    public static PartitionStateInfo Inspect(string path, AttributionConfig? config = null)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return ReadAll(stream, config, null);
    }

    /// <summary>
    /// The partition and position a file says it holds, from its header alone (cheap: for deciding whether to
    /// import it; <see cref="Inspect"/> and the import check the whole file).
    /// </summary>
    public static (int Partition, long Position) ReadPosition(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, HeaderBytes);
        byte[] header = new byte[HeaderBytes];
        ReadExactly(stream, header, null);
        Header h = Header.Parse(header);
        return (h.Partition, h.Position);
    }

    /// <summary>Reads a checked file of <paramref name="partition"/> into <paramref name="core"/>'s tables (on its shard thread).</summary>
    internal static PartitionStateInfo Load(string path, AttributionCore<FasterStateTable> core, int partition)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        // Checked first, applied second: a damaged file, or one of another partition, never changes any state.
        PartitionStateInfo info = ReadAll(stream, core.Config, null);
        if (info.Partition != partition)
        {
            throw new InvalidDataException($"it holds partition {info.Partition}, not {partition}");
        }
        stream.Position = 0;
        return ReadAll(stream, null, core);
    }

    private static void CheckMagic(ReadOnlySpan<byte> magic)
    {
        if (magic.SequenceEqual(MagicVersion1))
        {
            throw new InvalidDataException("it is a version-1 partition state file, which lacks the event-time guard's state (part of a partition's state since version 2), so it cannot be imported; the partition is rebuilt from its input instead");
        }
        if (!magic.SequenceEqual(Magic))
        {
            throw new InvalidDataException("it is not a partition state file (wrong magic)");
        }
    }

    private readonly record struct Header(int Partition, long Position, long Watermark, long WindowMs, long LatenessMs, long RetentionMs, int ClickHistory,
        long MaxClockSkewMs, int ClockConfirmations, int Pending)
    {
        public static Header Parse(ReadOnlySpan<byte> header)
        {
            CheckMagic(header[..8]);
            return new Header(
                BinaryPrimitives.ReadInt32LittleEndian(header[8..]),
                BinaryPrimitives.ReadInt64LittleEndian(header[12..]),
                BinaryPrimitives.ReadInt64LittleEndian(header[20..]),
                BinaryPrimitives.ReadInt64LittleEndian(header[28..]),
                BinaryPrimitives.ReadInt64LittleEndian(header[36..]),
                BinaryPrimitives.ReadInt64LittleEndian(header[44..]),
                BinaryPrimitives.ReadInt32LittleEndian(header[52..]),
                BinaryPrimitives.ReadInt64LittleEndian(header[56..]),
                BinaryPrimitives.ReadInt32LittleEndian(header[64..]),
                BinaryPrimitives.ReadInt32LittleEndian(header[68..]));
        }
    }

    private static PartitionStateInfo ReadAll(Stream stream, AttributionConfig? config, AttributionCore<FasterStateTable>? into)
    {
        var hash = new XxHash64();
        long length = stream.Length;
        if (length >= MagicVersion1.Length)
        {
            // The version first: an old file gets the sentence about its version, not one about its size.
            byte[] magic = new byte[MagicVersion1.Length];
            ReadExactly(stream, magic, null);
            stream.Position = 0;
            CheckMagic(magic);
        }
        if (length < HeaderBytes + 8 + 16 + 8)
        {
            throw new InvalidDataException($"it has {length} bytes, fewer than an empty partition state file");
        }
        byte[] headerBytes = new byte[HeaderBytes];
        ReadExactly(stream, headerBytes, hash);
        var (partition, position, watermark, window, lateness, retention, history, skew, confirmations, pendingCount) = Header.Parse(headerBytes);
        if (pendingCount < 0 || pendingCount >= Math.Max(1, confirmations) || pendingCount > AttributionConfig.MaxClockConfirmations)
        {
            throw new InvalidDataException($"it has {pendingCount} pending event times for {confirmations} clock confirmations");
        }
        if (config is not null)
        {
            string? difference =
                window != config.WindowMs ? $"window {window} ms vs {config.WindowMs} ms" :
                lateness != config.AllowedLatenessMs ? $"allowed lateness {lateness} ms vs {config.AllowedLatenessMs} ms" :
                retention != config.EffectiveConversionRetentionMs ? $"conversion-id retention {retention} ms vs {config.EffectiveConversionRetentionMs} ms" :
                history != config.ClickHistory ? $"click history {history} vs {config.ClickHistory}" :
                skew != config.EffectiveMaxClockSkewMs ? $"maximum clock skew {skew} ms vs {config.EffectiveMaxClockSkewMs} ms" :
                confirmations != config.ClockConfirmations ? $"clock confirmations {confirmations} vs {config.ClockConfirmations}" : null;
            if (difference is not null)
            {
                throw new InvalidDataException($"it was written under other settings ({difference})");
            }
        }
        long[] pending = new long[pendingCount];
        byte[] eight = new byte[8];
        for (int i = 0; i < pending.Length; i++)
        {
            ReadExactly(stream, eight, hash);
            pending[i] = BinaryPrimitives.ReadInt64LittleEndian(eight);
        }
        if (into is not null)
        {
            into.DropPartition(partition);
            into.Watermarks.Set(partition, watermark);
            into.ForgetExpiryFloors();
        }
        byte[] buffer = new byte[4096];
        long clicks = ReadTable(stream, hash, ref buffer, partition, into?.Clicks);
        long conversions = ReadTable(stream, hash, ref buffer, partition, into?.Conversions);
        byte[] trailer = new byte[16];
        ReadExactly(stream, trailer, hash);
        if (BinaryPrimitives.ReadInt64LittleEndian(trailer) != clicks || BinaryPrimitives.ReadInt64LittleEndian(trailer.AsSpan(8)) != conversions)
        {
            throw new InvalidDataException("its entry counts do not match its entries");
        }
        byte[] sum = new byte[8];
        ReadExactly(stream, sum, null);
        if (BinaryPrimitives.ReadUInt64LittleEndian(sum) != hash.GetCurrentHashAsUInt64())
        {
            throw new InvalidDataException("its checksum does not match its content");
        }
        if (stream.Position != length)
        {
            throw new InvalidDataException("it has bytes after its checksum");
        }
        return new PartitionStateInfo(partition, position, watermark, clicks, conversions, length, pending);
    }

    private static long ReadTable(Stream stream, XxHash64 hash, ref byte[] buffer, int partition, FasterStateTable? into)
    {
        long entries = 0;
        byte[] lengthBytes = new byte[4];
        while (true)
        {
            ReadExactly(stream, lengthBytes, hash);
            int keyLength = BinaryPrimitives.ReadInt32LittleEndian(lengthBytes);
            if (keyLength == 0)
            {
                return entries;
            }
            if (keyLength < StateKeys.HeaderBytes || keyLength > IStateTable.MaxKeyBytes)
            {
                throw new InvalidDataException($"entry {entries} has a key of {keyLength} bytes");
            }
            byte[] key = new byte[keyLength];
            ReadExactly(stream, key, hash);
            if (StateKeys.Partition(key) != partition)
            {
                throw new InvalidDataException($"entry {entries} belongs to partition {StateKeys.Partition(key)}, not {partition}");
            }
            ReadExactly(stream, lengthBytes, hash);
            int valueLength = BinaryPrimitives.ReadInt32LittleEndian(lengthBytes);
            if (valueLength < 0 || valueLength > 1 << 20)
            {
                throw new InvalidDataException($"entry {entries} has a value of {valueLength} bytes");
            }
            if (buffer.Length < valueLength)
            {
                buffer = new byte[valueLength];
            }
            ReadExactly(stream, buffer.AsSpan(0, valueLength), hash);
            into?.Upsert(key, buffer.AsSpan(0, valueLength));
            entries++;
        }
    }

    private static void ReadExactly(Stream stream, Span<byte> destination, XxHash64? hash)
    {
        try
        {
            stream.ReadExactly(destination);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("it ends early (truncated)");
        }
        hash?.Append(destination);
    }

    private readonly struct Exporter(HashingWriter writer, int partition) : IStateSweeper
    {
        public long StartEntries { get; } = writer.Entries;

        public bool ShouldDelete(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
        {
            if (StateKeys.Partition(key) == partition)
            {
                writer.WriteInt(key.Length);
                writer.Write(key);
                writer.WriteInt(value.Length);
                writer.Write(value);
                writer.Entries++;
            }
            return false;
        }
    }

    private sealed class HashingWriter(Stream stream)
    {
        public XxHash64 Hash { get; } = new();

        public long Length { get; private set; }

        public long Entries { get; set; }

        public void Write(ReadOnlySpan<byte> bytes)
        {
            stream.Write(bytes);
            Hash.Append(bytes);
            Length += bytes.Length;
        }

        public void WriteInt(int value)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(b, value);
            Write(b);
        }

        public void WriteLong(long value)
        {
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(b, value);
            Write(b);
        }
    }
}
