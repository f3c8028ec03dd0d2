using System.Buffers.Binary;
using System.Text;

namespace Attribution.Bench.State;

/// <summary>
/// Deterministic click entries with upstream-sized ids, built from an index so no id lists are
/// held in memory (they would distort the memory measurement).
/// <list type="bullet">
/// <item>FASTER key (49 B): <c>[u16 partition][u8 kind=1][36-char user_id]["camp-NNNNN"]</c>.</item>
/// <item>FASTER value (64 B): <c>[u8 count=1][i64 ts][u8 36]["event id"][u8 8]["ad-NNNNN"][u8 8]["facebook"]</c>.</item>
/// <item>Baseline: the same fields as .NET strings.</item>
/// </list>
/// </summary>
internal static class ClickFixture
{
    public const int KeyBytes = 2 + 1 + 36 + 10;
    public const int ValueBytes = 1 + 8 + 1 + 36 + 1 + 8 + 1 + 8;
    private const int Partitions = 64;

    /// <summary>Two campaigns per user: click i is user i/2, campaign i%2 (+ a spread).</summary>
    public static int User(long i) => (int)(i >> 1);

    public static int Campaign(long i) => (int)((i & 1) * 50_000 + (i >> 1) % 50_000);

    public static int Partition(long i) => User(i) % Partitions;

    public static Guid UserGuid(int user) => MakeGuid(user, 0x5EED);

    public static Guid EventGuid(long i, int version) => MakeGuid(i, version);

    public static int WriteKey(long i, Span<byte> key)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(key, (ushort)Partition(i));
        key[2] = 1;
        UserGuid(User(i)).TryFormat(key[3..], out _, "D");
        "camp-"u8.CopyTo(key[39..]);
        WriteDigits(Campaign(i), key.Slice(44, 5));
        return KeyBytes;
    }

    public static int WriteValue(long i, int version, Span<byte> value)
    {
        value[0] = 1;
        BinaryPrimitives.WriteInt64LittleEndian(value[1..], 1_678_886_400_000 + i + version);
        value[9] = 36;
        EventGuid(i, version).TryFormat(value[10..], out _, "D");
        value[46] = 8;
        "ad-"u8.CopyTo(value[47..]);
        WriteDigits((int)(i % 100_000), value.Slice(50, 5));
        value[55] = 8;
        "facebook"u8.CopyTo(value[56..]);
        return ValueBytes;
    }

    /// <summary>The baseline's key, built the usual way (string interpolation per event).</summary>
    public static string StringKey(long i) => $"{Partition(i)}|{UserGuid(User(i))}|camp-{Campaign(i):D5}";

    public static ClickClass NewClick(long i, int version) => new()
    {
        EventId = EventGuid(i, version).ToString(),
        AdId = $"ad-{i % 100_000:D5}",
        // A decoder hands out a fresh string per event unless someone interns it.
        Source = Encoding.UTF8.GetString("facebook"u8),
        Timestamp = 1_678_886_400_000 + i + version,
    };

    private static void WriteDigits(int n, Span<byte> into)
    {
        for (var j = into.Length - 1; j >= 0; j--)
        {
            into[j] = (byte)('0' + n % 10);
            n /= 10;
        }
    }

    private static Guid MakeGuid(long a, long b)
    {
        // SplitMix64 of the index: unique, well spread, reproducible.
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, Mix((ulong)a * 2 + 1));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[8..], Mix((ulong)b ^ ((ulong)a << 20)));
        return new Guid(bytes);
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
