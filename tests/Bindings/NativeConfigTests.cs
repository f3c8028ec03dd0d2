using System.Text;
using Attribution.Engine.Pipeline;
using Attribution.Native;

namespace Attribution.Tests.Bindings;

/// <summary>The attr_open configuration is parsed strictly: every key maps, every mistake is named.</summary>
public class NativeConfigTests
{
    private static NativeConfig? Parse(string json, out string? error) => NativeConfig.Parse(Encoding.UTF8.GetBytes(json), out error);

    [Test]
    public void Empty_configuration_gives_the_defaults_with_an_idle_friendly_wait()
    {
        NativeConfig? config = Parse("  ", out string? error);
        Assert.That(error, Is.Null);
        Assert.That(config!.Engine.Attribution.WindowMs, Is.EqualTo(24 * 3_600_000L));
        Assert.That(config.Engine.Wait, Is.EqualTo(WaitKind.Sleeping));
        Assert.That(config.OutputBufferBytes, Is.EqualTo(NativeConfig.DefaultOutputBufferBytes));
        Assert.That(Parse("{}", out _)!.Engine.Shards, Is.EqualTo(EngineOptions.DefaultShards)); // the engine's default, not one of its own
    }

    [Test]
    public void Every_key_reaches_its_option()
    {
        NativeConfig? c = Parse("""
            {"state_dir":"/tmp/x","shards":3,"ring_size":1024,"multi_producer":true,"wait":"busy_spin",
             "output_format":"msgpack","click_memory_bytes":2097152,"conversion_memory_bytes":3145728,
             "index_buckets":128,"expire_every_events":77,"window_hours":0.5,"allowed_lateness_ms":5,
             "conversion_retention_ms":7200000,"partitions":9,"click_history":2,"max_record_bytes":4096,
             "output_buffer_bytes":2048,"snapshot_every_events":500,"snapshots_to_keep":7}
            """, out string? error);
        Assert.That(error, Is.Null);
        EngineOptions e = c!.Engine;
        Assert.That((e.StateDirectory, e.Shards, e.RingSize, e.MultiProducer, e.Wait, e.OutputFormat),
            Is.EqualTo(("/tmp/x", 3, 1024, true, WaitKind.BusySpin, WireFormat.MessagePack)));
        Assert.That((e.ClickMemoryBytes, e.ConversionMemoryBytes, e.IndexBuckets, e.ExpireEveryEvents), Is.EqualTo((2097152L, 3145728L, 128L, 77L)));
        var a = e.Attribution;
        Assert.That((a.WindowMs, a.AllowedLatenessMs, a.ConversionRetentionMs, a.Partitions, a.ClickHistory, a.MaxRecordBytes),
            Is.EqualTo((1_800_000L, 5L, (long?)7_200_000L, 9, 2, 4096)));
        Assert.That(c.OutputBufferBytes, Is.EqualTo(2048));
        Assert.That((e.SnapshotEveryEvents, e.SnapshotsToKeep), Is.EqualTo((500L, 7)));
    }

    [TestCase("{\"windw_hours\":24}", "windw_hours")]
    [TestCase("{\"shards\":1,\"shards\":2}", "more than once")]
    [TestCase("{\"shards\":\"2\"}", "must be an integer")]
    [TestCase("{\"shards\":1.5}", "must be an integer")]
    [TestCase("{\"shards\":0}", "between 1 and 256")]
    [TestCase("{\"ring_size\":3}", "power of two")]
    [TestCase("{\"window_hours\":0}", "positive number of hours")]
    [TestCase("{\"window_hours\":1e-9}", "whole number of milliseconds")]
    [TestCase("{\"multi_producer\":\"yes\"}", "true or false")]
    [TestCase("{\"output_format\":\"xml\"}", "\"json\" or \"msgpack\"")]
    [TestCase("{\"wait\":\"nap\"}", "\"sleeping\"")]
    [TestCase("{\"conversion_retention_ms\":1}", "retention")]
    [TestCase("[]", "must be a JSON object")]
    [TestCase("{\"shards\":1", "not valid JSON")]
    [TestCase("{} {}", "not valid JSON")]
    [TestCase("{\"state_dir\":5}", "must be a string")]
    [TestCase("{\"snapshot_every_events\":-1}", "between 0 and")]
    [TestCase("{\"snapshots_to_keep\":0}", "between 1 and 1000")]
    [TestCase("{\"snapshots_to_keep\":1001}", "between 1 and 1000")]
    public void Invalid_configuration_is_refused_with_a_reason(string json, string expected)
    {
        Assert.That(Parse(json, out string? error), Is.Null);
        Assert.That(error, Does.Contain(expected));
    }

    [Test]
    public void Invalid_utf8_is_refused()
    {
        byte[] bytes = [(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}'];
        Assert.That(NativeConfig.Parse(bytes, out string? error), Is.Null);
        Assert.That(error, Does.Contain("UTF-8"));
    }
}
