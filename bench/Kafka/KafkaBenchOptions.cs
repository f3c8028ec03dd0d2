using System.Globalization;
using Attribution.Bench.Reporting;

namespace Attribution.Bench.Kafka;

/// <summary>Command-line options of the Kafka suite.</summary>
internal sealed class KafkaBenchOptions
{
    public const string Usage =
        "kafka options: --events N (engine throughput backlog, default 600000, --long 1500000) --naive-events N (default = --events) " +
        "--partitions N (input and output topics, default 32) --shards N (engine shards, default 1 = cores - 1) " +
        "--commit-ms N (transaction interval, default 25) --latency-seconds N (paced phase per pipeline, default 8, --long 30) " +
        "--load F (paced rate as a fraction of each pipeline's measured peak, default 0.5) --seed N --users N (default 100000) --campaigns N (default 50) --property key=value (librdkafka setting for both pipelines, repeatable) --input-compression none|lz4|zstd (upstream batches, default lz4)";

    public int Events { get; private set; } = BenchReport.Long ? 1_500_000 : 600_000;
    /// <summary>The naive pipeline's backlog: the same as the engine's unless set (same workload, same state size).</summary>
    public int NaiveEvents => NaiveEventsOption ?? Events;

    public int? NaiveEventsOption { get; private set; }
    public int Partitions { get; private set; } = 32;
    public int Shards { get; private set; } = Math.Max(1, Environment.ProcessorCount - 1);
    public int CommitMs { get; private set; } = 25;
    public int LatencySeconds { get; private set; } = BenchReport.Long ? 30 : 8;
    public double Load { get; private set; } = 0.5;
    public int Seed { get; private set; } = 20240601;
    public int Users { get; private set; } = 100_000;
    public int Campaigns { get; private set; } = 50;

    /// <summary>librdkafka properties (`--property key=value`, repeatable) given to both pipelines' clients.</summary>
    public Dictionary<string, string> Properties { get; } = [];

    public static KafkaBenchOptions Parse(string[] args)
    {
        var o = new KafkaBenchOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"Option {name} needs a value.");
            int Number(int min, int max)
            {
                string text = Value();
                if (!int.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < min || v > max)
                {
                    throw new ArgumentException($"Option {name} needs a whole number from {min} to {max}; got '{text}'.");
                }
                return v;
            }
            switch (name)
            {
                case "--events": o.Events = Number(10_000, 20_000_000); break;
                case "--naive-events": o.NaiveEventsOption = Number(10_000, 20_000_000); break;
                case "--partitions": o.Partitions = Number(1, 256); break;
                case "--shards": o.Shards = Number(1, 64); break;
                case "--commit-ms": o.CommitMs = Number(1, 10_000); break;
                case "--latency-seconds": o.LatencySeconds = Number(1, 3600); break;
                case "--seed": o.Seed = Number(int.MinValue, int.MaxValue); break;
                case "--users": o.Users = Number(1, 10_000_000); break;
                case "--campaigns": o.Campaigns = Number(1, 80_000); break;
                case "--input-compression":
                    string codec = Value();
                    KafkaLoad.Compression = codec switch
                    {
                        "none" => Confluent.Kafka.CompressionType.None,
                        "lz4" => Confluent.Kafka.CompressionType.Lz4,
                        "zstd" => Confluent.Kafka.CompressionType.Zstd,
                        _ => throw new ArgumentException($"--input-compression takes none, lz4 or zstd; got '{codec}'."),
                    };
                    break;
                case "--property":
                    string pair = Value();
                    int eq = pair.IndexOf('=', StringComparison.Ordinal);
                    if (eq <= 0)
                    {
                        throw new ArgumentException($"--property needs key=value; got '{pair}'.");
                    }
                    o.Properties[pair[..eq]] = pair[(eq + 1)..];
                    break;
                case "--load":
                    string text = Value();
                    if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double load) || load is <= 0 or > 1)
                    {
                        throw new ArgumentException($"--load needs a fraction in (0, 1]; got '{text}'.");
                    }
                    o.Load = load;
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{name}'.");
            }
        }
        return o;
    }
}
