using System.Globalization;
using System.Text;
using Attribution.Native;
using Attribution.Tests.Engine.Attribution;
using Attribution.Tests.Reliability;

namespace Attribution.Tests.Bindings;

/// <summary>
/// The C ABI partitions by <c>XXH3_64(user_id) mod P</c>, as before the host's re-key stage: <c>attr_submit</c> takes
/// no partition and no Kafka key, so every event of a user is in one partition whatever the order of the calls. The
/// input keying (<c>--input-keying</c>) is a setting of <c>attribution run</c> only; the ABI has no Kafka partitions.
/// </summary>
public unsafe class AbiUserPartitionTests
{
    [Test]
    public void Attr_submit_partitions_by_the_user_id_hash_whatever_the_order_of_the_calls()
    {
        int seed = TestSeed.Get();
        var stream = UserHashStream.Generate(seed, 6_000);
        var c = stream.Config;
        string config = string.Create(CultureInfo.InvariantCulture,
            $"{{\"shards\":2,\"click_memory_bytes\":4194304,\"conversion_memory_bytes\":4194304,\"index_buckets\":4096,\"window_hours\":{c.WindowMs / 3_600_000}," +
            $"\"allowed_lateness_ms\":{c.AllowedLatenessMs},\"conversion_retention_ms\":{c.EffectiveConversionRetentionMs},\"partitions\":{c.Partitions},\"click_history\":{c.ClickHistory}}}");
        nint engine = NativeAbi.OpenOrFail(config);
        var lines = new List<string>();
        int rejected = 0;
        try
        {
            long position = 0;
            foreach (string line in stream.Lines())
            {
                // Drained after each call, so the output queue never pushes back; bad lines and clock outliers are rejected.
                int status = NativeAbi.SubmitRecord(engine, Encoding.UTF8.GetBytes(line), messagePack: false, position++, out _);
                Assert.That(status, Is.Zero.Or.EqualTo((int)AttrStatus.Rejected), () => $"attr_submit: {NativeAbi.LastErrorText(engine)}");
                rejected += status == 0 ? 0 : 1;
                lines.AddRange(NativeAbi.Drain(engine));
            }
            Assert.That(NativeAbi.Flush(engine, 60_000), Is.Zero, () => $"attr_flush: {NativeAbi.LastErrorText(engine)}");
            lines.AddRange(NativeAbi.Drain(engine));
        }
        finally
        {
            NativeAbi.Close(engine);
        }
        var actual = stream.Parse(lines);
        Assert.That(stream.Difference(actual), Is.Null, $"seed {seed}");
        Assert.That(actual, Has.Count.EqualTo(stream.Expected.Outputs.Count));
        Assert.That(rejected, Is.EqualTo(stream.Expected.Rejections.Values.Sum()), "bad lines and clock outliers, as the reference rejects them");
    }
}
