using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Attribution.Tests.Engine.Attribution;

/// <summary>
/// The test oracle's user → partition mapping, <c>XXH3_64(user_id, seed 0) mod P</c>, written out here from the xxHash
/// specification (doc/xxhash_spec.md of the xxHash project) instead of calling the engine's partitioner or the library
/// it uses, so a reference that assigns partitions this way catches a change in the engine's mapping.
/// Only inputs of up to 240 bytes (the short and medium algorithms) are written out: user ids are at most 128 bytes.
/// </summary>
public static class ReferencePartitioner
{
    /// <summary>Longest input the oracle hashes; longer ones take XXH3's striped algorithm, not written out here.</summary>
    public const int MaxInputBytes = 240;

    private const ulong Prime64_1 = 0x9E3779B185EBCA87UL;
    private const ulong Prime64_2 = 0xC2B2AE3D27D4EB4FUL;
    private const ulong Prime64_3 = 0x165667B19E3779F9UL;
    private const ulong PrimeMx1 = 0x165667919E3779F9UL;
    private const ulong PrimeMx2 = 0x9FB21C651E98DF25UL;

    /// <summary>The specification's 192-byte default secret.</summary>
    private static ReadOnlySpan<byte> Secret =>
    [
        0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c,
        0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb, 0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f,
        0xcb, 0x79, 0xe6, 0x4e, 0xcc, 0xc0, 0xe5, 0x78, 0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21,
        0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43, 0x24, 0x8e, 0xe0, 0x35, 0x90, 0xe6, 0x81, 0x3a, 0x26, 0x4c,
        0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb, 0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3,
        0x71, 0x64, 0x48, 0x97, 0xa2, 0x0d, 0xf9, 0x4e, 0x38, 0x19, 0xef, 0x46, 0xa9, 0xde, 0xac, 0xd8,
        0xa8, 0xfa, 0x76, 0x3f, 0xe3, 0x9c, 0x34, 0x3f, 0xf9, 0xdc, 0xbb, 0xc7, 0xc7, 0x0b, 0x4f, 0x1d,
        0x8a, 0x51, 0xe0, 0x4b, 0xcd, 0xb4, 0x59, 0x31, 0xc8, 0x9f, 0x7e, 0xc9, 0xd9, 0x78, 0x73, 0x64,
        0xea, 0xc5, 0xac, 0x83, 0x34, 0xd3, 0xeb, 0xc3, 0xc5, 0x81, 0xa0, 0xff, 0xfa, 0x13, 0x63, 0xeb,
        0x17, 0x0d, 0xdd, 0x51, 0xb7, 0xf0, 0xda, 0x49, 0xd3, 0x16, 0x55, 0x26, 0x29, 0xd4, 0x68, 0x9e,
        0x2b, 0x16, 0xbe, 0x58, 0x7d, 0x47, 0xa1, 0xfc, 0x8f, 0xf8, 0xb8, 0xd1, 0x7a, 0xd0, 0x31, 0xce,
        0x45, 0xcb, 0x3a, 0x8f, 0x95, 0x16, 0x04, 0x28, 0xaf, 0xd7, 0xfb, 0xca, 0xbb, 0x4b, 0x40, 0x7e,
    ];

    /// <summary>The partition of <paramref name="userId"/> (its UTF-8 bytes) among <paramref name="partitions"/>.</summary>
    public static int Partition(string userId, int partitions) => Partition(Encoding.UTF8.GetBytes(userId), partitions);

    /// <summary>The partition of the user id bytes <paramref name="userId"/> among <paramref name="partitions"/>.</summary>
    public static int Partition(ReadOnlySpan<byte> userId, int partitions)
    {
        Assert.That(partitions, Is.Positive, "partition count");
        return (int)(Xxh3(userId) % (ulong)partitions);
    }

    /// <summary>XXH3-64 with seed 0 of an input of at most <see cref="MaxInputBytes"/> bytes.</summary>
    public static ulong Xxh3(ReadOnlySpan<byte> input)
    {
        Assert.That(input.Length, Is.LessThanOrEqualTo(MaxInputBytes), "the reference XXH3 covers inputs of up to 240 bytes");
        int length = input.Length;
        if (length == 0)
        {
            return AvalancheXxh64(Word64(Secret, 56) ^ Word64(Secret, 64));
        }
        if (length <= 3)
        {
            uint combined = input[length - 1] | ((uint)length << 8) | ((uint)input[0] << 16) | ((uint)input[length >> 1] << 24);
            ulong value = (ulong)(Word32(Secret, 0) ^ Word32(Secret, 4)) ^ combined;
            return AvalancheXxh64(value);
        }
        if (length <= 8)
        {
            ulong combined = Word32(input, length - 4) | ((ulong)Word32(input, 0) << 32);
            ulong value = (Word64(Secret, 8) ^ Word64(Secret, 16)) ^ combined;
            value ^= BitOperations.RotateLeft(value, 49) ^ BitOperations.RotateLeft(value, 24);
            value *= PrimeMx2;
            value ^= (value >> 35) + (ulong)length;
            value *= PrimeMx2;
            return value ^ (value >> 28);
        }
        if (length <= 16)
        {
            ulong low = (Word64(Secret, 24) ^ Word64(Secret, 32)) ^ Word64(input, 0);
            ulong high = (Word64(Secret, 40) ^ Word64(Secret, 48)) ^ Word64(input, length - 8);
            ulong product = Math.BigMul(low, high, out ulong productLow);
            return Avalanche((ulong)length + BinaryPrimitives.ReverseEndianness(low) + high + (productLow ^ product));
        }

        ulong acc = (ulong)length * Prime64_1;
        if (length <= 128)
        {
            int rounds = ((length - 1) >> 5) + 1;
            for (int i = rounds - 1; i >= 0; i--)
            {
                acc += MixStep(input, i * 16, i * 32);
                acc += MixStep(input, length - (i * 16) - 16, (i * 32) + 16);
            }
        }
        else
        {
            int chunks = length >> 4;
            for (int i = 0; i < 8; i++)
            {
                acc += MixStep(input, i * 16, i * 16);
            }
            acc = Avalanche(acc);
            for (int i = 8; i < chunks; i++)
            {
                acc += MixStep(input, i * 16, ((i - 8) * 16) + 3);
            }
            acc += MixStep(input, length - 16, 119);
        }
        return Avalanche(acc);
    }

    private static ulong MixStep(ReadOnlySpan<byte> input, int at, int secretOffset)
    {
        ulong high = Math.BigMul(Word64(input, at) ^ Word64(Secret, secretOffset), Word64(input, at + 8) ^ Word64(Secret, secretOffset + 8), out ulong low);
        return low ^ high;
    }

    private static ulong Avalanche(ulong x)
    {
        x ^= x >> 37;
        x *= PrimeMx1;
        return x ^ (x >> 32);
    }

    private static ulong AvalancheXxh64(ulong x)
    {
        x ^= x >> 33;
        x *= Prime64_2;
        x ^= x >> 29;
        x *= Prime64_3;
        return x ^ (x >> 32);
    }

    private static uint Word32(ReadOnlySpan<byte> bytes, int at) => BinaryPrimitives.ReadUInt32LittleEndian(bytes[at..]);

    private static ulong Word64(ReadOnlySpan<byte> bytes, int at) => BinaryPrimitives.ReadUInt64LittleEndian(bytes[at..]);
}
