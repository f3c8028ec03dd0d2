using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;

namespace Attribution.Bench.Streamiz;

/// <summary>Two output topics compared by conversion id: the count, and each attribution's JSON byte for byte.</summary>
internal sealed class OutputComparison
{
    private OutputComparison()
    {
    }

    /// <summary>Records read from the first topic (ours) and the second (the peer's).</summary>
    public (long Ours, long Theirs) Counts { get; private init; }

    /// <summary>Conversion ids in ours only, in theirs only, in both with different JSON, and ids seen twice in one topic.</summary>
    public (long OursOnly, long TheirsOnly, long Different, long Repeated) Differences { get; private init; }

    /// <summary>The first difference found, for the report (null when the outputs are equal).</summary>
    public string? Example { get; private init; }

    /// <summary>Whether both topics hold the same attributions (same ids, same JSON, no id twice).</summary>
    public bool Equal => Differences == (0, 0, 0, 0) && Counts.Ours == Counts.Theirs;

    /// <summary>Reads both topics to their end (read_committed) and compares them.</summary>
    public static OutputComparison Of(string bootstrap, string ours, string theirs, int partitions)
    {
        (Dictionary<string, string> a, long repeatedA) = Read(bootstrap, ours, partitions);
        (Dictionary<string, string> b, long repeatedB) = Read(bootstrap, theirs, partitions);
        long oursOnly = 0;
        long different = 0;
        string? example = null;
        foreach ((string id, string json) in a)
        {
            if (!b.TryGetValue(id, out string? other))
            {
                oursOnly++;
                example ??= $"only in {ours}: {json}";
            }
            else if (!string.Equals(json, other, StringComparison.Ordinal))
            {
                different++;
                example ??= $"{ours}: {json} / {theirs}: {other}";
            }
        }
        long theirsOnly = b.Keys.Count(id => !a.ContainsKey(id));
        example ??= theirsOnly > 0 ? $"only in {theirs}: {b.First(kv => !a.ContainsKey(kv.Key)).Value}" : null;
        return new OutputComparison
        {
            Counts = (a.Count + repeatedA, b.Count + repeatedB),
            Differences = (oursOnly, theirsOnly, different, repeatedA + repeatedB),
            Example = example,
        };
    }

    private static (Dictionary<string, string> ById, long Repeated) Read(string bootstrap, string topic, int partitions)
    {
        using IConsumer<Ignore, byte[]> consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "bench-compare",
            EnableAutoCommit = false,
            IsolationLevel = IsolationLevel.ReadCommitted,
        }).SetLogHandler((_, _) => { }).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var byId = new Dictionary<string, string>(StringComparer.Ordinal);
        long repeated = 0;
        var idle = Stopwatch.StartNew();
        // The embedded broker's partitions end where their high watermarks are; 3 s without a record means the end here.
        while (idle.Elapsed < TimeSpan.FromSeconds(3))
        {
            ConsumeResult<Ignore, byte[]>? r = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (r?.Message?.Value is not { } value)
            {
                continue;
            }
            idle.Restart();
            using JsonDocument doc = JsonDocument.Parse(value);
            string id = doc.RootElement.GetProperty("conversion_id").GetString() ?? "";
            if (!byId.TryAdd(id, Encoding.UTF8.GetString(value)))
            {
                repeated++;
            }
        }
        consumer.Close();
        return (byId, repeated);
    }
}
