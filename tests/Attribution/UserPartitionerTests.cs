using System.Buffers.Binary;
using System.IO.Hashing;
using System.Numerics;
using System.Text;
using Attribution.Engine.Attribution;

namespace Attribution.Tests.Attribution;

/// <summary>The user → partition mapping must never change: state, snapshots and replays depend on it.</summary>
public class UserPartitionerTests
{
    // Computed once (with an independent script of the XXH3 spec, and cross-checked below by
    // Xxh3ShortInput), then frozen: a change here means existing state is partitioned differently.
    [TestCase("user-123", 64, 57)]
    [TestCase("user-1", 64, 9)]
    [TestCase("alice", 64, 48)]
    [TestCase("u-42", 7, 2)]
    [TestCase("user-999", 1000, 595)]
    [TestCase("bob!", 2, 1)]
    public void Partition_of_a_user_id_is_fixed(string user, int partitions, int expected)
    {
        byte[] id = Encoding.UTF8.GetBytes(user);
        Assert.That(UserPartitioner.Partition(id, partitions), Is.EqualTo(expected));
        Assert.That((int)(Xxh3ShortInput(id) % (ulong)partitions), Is.EqualTo(expected), "independent XXH3 implementation");
    }

    [Test]
    public void Partition_is_xxh3_64_of_the_user_id_mod_partitions()
    {
        var rng = new Random(TestSeed.Get());
        for (int i = 0; i < 1_000; i++)
        {
            byte[] id = new byte[rng.Next(4, 9)];
            rng.NextBytes(id);
            int partitions = rng.Next(1, 65_536);
            Assert.That(UserPartitioner.Partition(id, partitions), Is.EqualTo((int)(Xxh3ShortInput(id) % (ulong)partitions)));
        }
    }

    [Test]
    public void Library_xxh3_matches_the_published_empty_input_vector()
    {
        // XXH3_64bits("", 0) from the xxHash reference test suite.
        Assert.That(XxHash3.HashToUInt64(ReadOnlySpan<byte>.Empty), Is.EqualTo(0x2D06800538D394C2UL));
    }

    [Test]
    public void Partition_is_within_range_and_rejects_a_non_positive_count()
    {
        Assert.That(UserPartitioner.Partition("anyone"u8, 1), Is.EqualTo(0));
        Assert.That(UserPartitioner.Partition(new byte[128], 65_535), Is.InRange(0, 65_534));
        Assert.Throws<ArgumentOutOfRangeException>(() => UserPartitioner.Partition("u"u8, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => UserPartitioner.Partition("u"u8, -3));
    }

    /// <summary>
    /// XXH3-64, seed 0, for inputs of 4..8 bytes, written from the xxHash specification
    /// (XXH3_len_4to8_64b with the default secret); deliberately independent of System.IO.Hashing.
    /// </summary>
    private static ulong Xxh3ShortInput(ReadOnlySpan<byte> input)
    {
        Assert.That(input.Length, Is.InRange(4, 8));
        ReadOnlySpan<byte> secret = [0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c,
                                     0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb];
        const ulong Mx2 = 0x9FB21C651E98DF25UL;
        ulong input1 = BinaryPrimitives.ReadUInt32LittleEndian(input);
        ulong input2 = BinaryPrimitives.ReadUInt32LittleEndian(input[^4..]);
        ulong bitflip = BinaryPrimitives.ReadUInt64LittleEndian(secret[8..]) ^ BinaryPrimitives.ReadUInt64LittleEndian(secret[16..]);
        ulong x = (input2 + (input1 << 32)) ^ bitflip;
        x ^= BitOperations.RotateLeft(x, 49) ^ BitOperations.RotateLeft(x, 24);
        x *= Mx2;
        x ^= (x >> 35) + (ulong)input.Length;
        x *= Mx2;
        return x ^ (x >> 28);
    }
}
