using System.Text.Json;
using Prometheus;

namespace Attribution.Host.Kafka;

/// <summary>
/// librdkafka's statistics (emitted every <c>statistics.interval.ms</c>, off by default) as Prometheus metrics on the
/// host's registry: broker round trips and errors, consumer lag and fetch queue per partition, the producer's queue.
/// Each client's figures are labelled with its librdkafka name (<c>client.id#consumer-1</c>). The field names are
/// librdkafka's STATISTICS.md; a field a version does not send is skipped.
/// </summary>
public sealed class KafkaStatisticsMetrics
{
    private readonly Counter _reports;
    private readonly Gauge _rtt, _lag, _fetchQueue, _producerQueue, _producerQueueBytes;
    private readonly Counter _txErrors, _rxErrors;

    /// <summary>The metrics on <paramref name="registry"/> (the same collectors for every client: prometheus-net reuses them by name).</summary>
    public KafkaStatisticsMetrics(CollectorRegistry registry)
    {
        var f = Metrics.WithCustomRegistry(registry ?? throw new ArgumentNullException(nameof(registry)));
        _reports = f.CreateCounter("attribution_kafka_statistics_reports_total", "librdkafka statistics reports received (statistics.interval.ms).", ["client"]);
        _rtt = f.CreateGauge("attribution_kafka_broker_rtt_seconds", "Mean request round trip to a broker over the last statistics interval.", ["client", "broker"]);
        _txErrors = f.CreateCounter("attribution_kafka_broker_tx_errors_total", "Request transmission errors to a broker.", ["client", "broker"]);
        _rxErrors = f.CreateCounter("attribution_kafka_broker_rx_errors_total", "Response errors (corrupt or bad) from a broker.", ["client", "broker"]);
        _lag = f.CreateGauge("attribution_kafka_consumer_lag_records", "Records between the consumer's position and the partition's end, as librdkafka last saw it.", ["client", "topic", "partition"]);
        _fetchQueue = f.CreateGauge("attribution_kafka_fetch_queue_messages", "Messages fetched and waiting in the consumer's queue.", ["client", "topic", "partition"]);
        _producerQueue = f.CreateGauge("attribution_kafka_producer_queue_messages", "Messages waiting in the producer's queue (not yet acknowledged).", ["client"]);
        _producerQueueBytes = f.CreateGauge("attribution_kafka_producer_queue_bytes", "Bytes of the messages waiting in the producer's queue.", ["client"]);
    }

    /// <summary>Reads one statistics report (the JSON librdkafka hands the statistics callback).</summary>
    /// <returns>False when the text is not a statistics object (nothing is updated).</returns>
    public bool Update(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            return false;
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("name", out var nameElement) || nameElement.GetString() is not { } client)
            {
                return false;
            }
            _reports.WithLabels(client).Inc();
            bool producer = root.TryGetProperty("type", out var type) && type.GetString() == "producer";
            if (producer)
            {
                _producerQueue.WithLabels(client).Set(Number(root, "msg_cnt"));
                _producerQueueBytes.WithLabels(client).Set(Number(root, "msg_size"));
            }
            if (root.TryGetProperty("brokers", out var brokers) && brokers.ValueKind == JsonValueKind.Object)
            {
                foreach (var b in brokers.EnumerateObject())
                {
                    // The bootstrap entries (nodeid -1) are connections before the cluster is known, not brokers.
                    if (Number(b.Value, "nodeid") < 0)
                    {
                        continue;
                    }
                    string broker = b.Value.TryGetProperty("nodename", out var n) && n.GetString() is { } node ? node : b.Name;
                    if (b.Value.TryGetProperty("rtt", out var rtt) && rtt.ValueKind == JsonValueKind.Object && Number(rtt, "cnt") > 0)
                    {
                        _rtt.WithLabels(client, broker).Set(Number(rtt, "avg") / 1e6); // microseconds
                    }
                    _txErrors.WithLabels(client, broker).IncTo(Number(b.Value, "txerrs"));
                    _rxErrors.WithLabels(client, broker).IncTo(Number(b.Value, "rxerrs"));
                }
            }
            if (!producer && root.TryGetProperty("topics", out var topics) && topics.ValueKind == JsonValueKind.Object)
            {
                foreach (var t in topics.EnumerateObject())
                {
                    if (!t.Value.TryGetProperty("partitions", out var partitions) || partitions.ValueKind != JsonValueKind.Object)
                    {
                        continue;
                    }
                    foreach (var p in partitions.EnumerateObject())
                    {
                        // Partition -1 is librdkafka's unassigned-messages queue; lag -1 means unknown (not consumed).
                        double lag = Number(p.Value, "consumer_lag");
                        if (p.Name == "-1" || lag < 0)
                        {
                            continue;
                        }
                        _lag.WithLabels(client, t.Name, p.Name).Set(lag);
                        _fetchQueue.WithLabels(client, t.Name, p.Name).Set(Number(p.Value, "fetchq_cnt"));
                    }
                }
            }
        }
        return true;
    }

    private static double Number(JsonElement e, string property)
        => e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : -1;
}
