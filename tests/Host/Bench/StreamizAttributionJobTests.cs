using System.Text.Json;
using Attribution.Bench.Engine;
using Attribution.Bench.Streamiz;
using Attribution.Engine.Pipeline;
using Attribution.Tests.Engine.Pipeline;
using Attribution.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Mock;
using Streamiz.Kafka.Net.SerDes;

namespace Attribution.Tests.Host.Bench;

/// <summary>
/// The bench's Streamiz peer (its topology with RocksDB stores, run by Streamiz's own test driver, no broker) against the
/// engine on the bench's generated workload: the same attributions, JSON byte for byte, so the bench compares like with like.
/// </summary>
public class StreamizAttributionJobTests
{
    [Test]
    public void Streamiz_job_attributes_the_bench_workload_as_the_engine_does()
    {
        int seed = TestSeed.Get();
        // Few users and campaigns, so many conversions find a click and some are re-sent duplicates.
        Workload workload = WorkloadGenerator.Generate(20_000, 2_000, 10, seed);
        Dictionary<string, string> engine = RunEngine(workload);
        Dictionary<string, string> streamiz = RunStreamiz(workload, out long duplicates);

        TestContext.Out.WriteLine($"seed {seed}: engine {engine.Count} attributions, Streamiz {streamiz.Count}, {duplicates} duplicates dropped by Streamiz");
        Assert.That(engine, Is.Not.Empty, $"seed {seed}");
        Assert.That(duplicates, Is.GreaterThan(0), $"seed {seed}: the workload must exercise the duplicate rule");
        Assert.That(streamiz.Keys.Order(), Is.EqualTo(engine.Keys.Order()), $"seed {seed} (ATTRIBUTION_SEED={seed}): the attributed conversion ids differ");
        foreach ((string id, string json) in engine)
        {
            Assert.That(streamiz[id], Is.EqualTo(json), $"seed {seed}: conversion {id}");
        }
    }

    private static Dictionary<string, string> RunEngine(Workload workload)
    {
        var output = new CollectingOutput();
        var options = new EngineOptions { Shards = 1, ClickMemoryBytes = 16 << 20, ConversionMemoryBytes = 4 << 20, IndexBuckets = 1 << 14 };
        using (var engine = new AttributionEngine(options, output))
        {
            for (int i = 0; i < workload.Lines.Count; i++)
            {
                engine.Submit(workload.Lines[i], position: i, partition: 0);
            }
            engine.Flush();
        }
        return output.Items.ToDictionary(x => x.Output.ConversionId, x => x.Json);
    }

    private static Dictionary<string, string> RunStreamiz(Workload workload, out long duplicates)
    {
        string stateDir = Path.Combine(Path.GetTempPath(), $"streamiz-test-{Guid.NewGuid():N}");
        var counters = new StreamizCounters();
        var config = new StreamConfig<StringSerDes, StringSerDes> { ApplicationId = "test-streamiz-attribution", StateDir = stateDir, Logger = NullLoggerFactory.Instance };
        try
        {
            using var driver = new TopologyTestDriver(StreamizTopology.Build("in", "out", counters, changelog: true), config);
            TestInputTopic<string, string> input = driver.CreateInputTopic<string, string>("in");
            TestOutputTopic<string, string> output = driver.CreateOutputTopic<string, string>("out");
            for (int i = 0; i < workload.Lines.Count; i++)
            {
                string line = System.Text.Encoding.UTF8.GetString(workload.Lines[i]);
                input.PipeInput(JsonDocument.Parse(line).RootElement.GetProperty("user_id").GetString()!, line, null);
            }
            duplicates = counters.Duplicates;
            return output.ReadValueList().ToDictionary(json => JsonDocument.Parse(json).RootElement.GetProperty("conversion_id").GetString()!, json => json);
        }
        finally
        {
            if (Directory.Exists(stateDir))
            {
                Directory.Delete(stateDir, recursive: true);
            }
        }
    }
}
