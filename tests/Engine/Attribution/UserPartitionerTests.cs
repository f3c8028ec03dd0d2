using System.IO.Hashing;
using System.Text;
using Attribution.Engine.Attribution;

namespace Attribution.Tests.Engine.Attribution;

/// <summary>The user → partition mapping must never change: state, snapshots and replays depend on it.</summary>
public class UserPartitionerTests
{
    // Computed once (with an independent script of the XXH3 spec, and cross-checked by
    // ReferencePartitioner), then frozen: a change here means existing state is partitioned differently.
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
        Assert.That((int)(ReferencePartitioner.Xxh3(id) % (ulong)partitions), Is.EqualTo(expected), "independent XXH3 implementation");
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
            Assert.That(UserPartitioner.Partition(id, partitions), Is.EqualTo((int)(ReferencePartitioner.Xxh3(id) % (ulong)partitions)));
        }
    }

    [Test]
    public void Library_xxh3_matches_the_published_empty_input_vector()
    {
        // XXH3_64bits("", 0) from the xxHash reference test suite.
        Assert.That(XxHash3.HashToUInt64(ReadOnlySpan<byte>.Empty), Is.EqualTo(0x2D06800538D394C2UL));
    }

    // XXH3_64bits(buffer, length, seed 0) from the xxHash project's sanity check (cli/xsum_sanity_check.c), one length
    // per algorithm branch up to 240 bytes; the buffer is its generated test buffer (see SanityBuffer).
    [TestCase(0, 0x2D06800538D394C2UL)]
    [TestCase(1, 0xC44BDFF4074EECDBUL)]
    [TestCase(6, 0x27B56A84CD2D7325UL)]
    [TestCase(12, 0xA713DAF0DFBB77E7UL)]
    [TestCase(24, 0xA3FE70BF9D3510EBUL)]
    [TestCase(48, 0x397DA259ECBA1F11UL)]
    [TestCase(80, 0xBCDEFBBB2C47C90AUL)]
    [TestCase(195, 0xCD94217EE362EC3AUL)]
    public void Reference_xxh3_matches_the_published_vectors(int length, ulong expected)
    {
        Assert.That(ReferencePartitioner.Xxh3(SanityBuffer(length)), Is.EqualTo(expected));
    }

    [Test]
    public void Engine_partitioner_agrees_with_the_reference_for_ids_of_every_length_up_to_240_bytes()
    {
        var rng = new Random(TestSeed.Get());
        for (int length = 0; length <= ReferencePartitioner.MaxInputBytes; length++)
        {
            for (int i = 0; i < 20; i++)
            {
                byte[] id = new byte[length];
                rng.NextBytes(id);
                int partitions = i == 0 ? 64 : rng.Next(1, 65_536);
                Assert.That(UserPartitioner.Partition(id, partitions), Is.EqualTo(ReferencePartitioner.Partition(id, partitions)),
                    $"{length}-byte id {Convert.ToHexString(id)}, {partitions} partitions");
            }
        }
    }

    /// <summary>The xxHash sanity check's buffer: byte i is the top byte of 2654435761 × 11400714785074694797^i (mod 2^64).</summary>
    private static byte[] SanityBuffer(int length)
    {
        var buffer = new byte[length];
        ulong generator = 2654435761UL;
        for (int i = 0; i < length; i++)
        {
            buffer[i] = (byte)(generator >> 56);
            generator *= 11400714785074694797UL;
        }
        return buffer;
    }

    [Test]
    public void Partition_is_within_range_and_rejects_a_non_positive_count()
    {
        Assert.That(UserPartitioner.Partition("anyone"u8, 1), Is.EqualTo(0));
        Assert.That(UserPartitioner.Partition(new byte[128], 65_535), Is.InRange(0, 65_534));
        Assert.Throws<ArgumentOutOfRangeException>(() => UserPartitioner.Partition("u"u8, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => UserPartitioner.Partition("u"u8, -3));
    }
}
