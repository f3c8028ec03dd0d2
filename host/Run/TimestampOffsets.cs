using System.Diagnostics;
using Confluent.Kafka;

namespace Attribution.Host.Run;

/// <summary>
/// The first offset of a partition whose record timestamp is at or after a time (<c>--start-from-timestamp</c>):
/// Kafka's ListOffsets by timestamp (the consumer's OffsetsForTimes). Where that answers "none" although the
/// partition's last record is at or after the time — librdkafka's mock broker never answers by time — the offset is
/// found by a binary search over the records' timestamps (a few single-record reads; it assumes, as Kafka's own index
/// does for its answer, timestamps that do not decrease along the partition).
/// </summary>
internal static class TimestampOffsets
{
    /// <summary>
    /// Per partition of <paramref name="bounds"/> (low, high watermarks), the first offset at or after <paramref name="ms"/> (high
    /// when none), and how it was found: <c>broker</c>, <c>none</c> (no record that late) or <c>search</c>.
    /// </summary>
    /// <exception cref="KafkaException">Kafka did not answer in time.</exception>
    public static Dictionary<int, (long Offset, string By)> FirstAtOrAfter(IConsumer<Ignore, byte[]> reader, string topic, IReadOnlyDictionary<int, (long Low, long High)> bounds, long ms, TimeSpan timeout)
    {
        var result = new Dictionary<int, (long, string)>();
        if (bounds.Count == 0)
        {
            return result;
        }
        var answers = reader.OffsetsForTimes(bounds.Keys.Select(p => new TopicPartitionTimestamp(new TopicPartition(topic, p), new Timestamp(ms, TimestampType.CreateTime))), timeout)
            .ToDictionary(o => o.Partition.Value, o => o.Offset.Value);
        foreach (var (p, (low, high)) in bounds)
        {
            long answer = answers.GetValueOrDefault(p, -1);
            if (answer >= 0)
            {
                result[p] = (Math.Clamp(answer, low, high), "broker");
                continue;
            }
            var tp = new TopicPartition(topic, p);
            // "None": true when the partition is empty or its last record is older; otherwise the broker cannot answer.
            result[p] = high <= low || ReadAt(reader, tp, high - 1, timeout) is not { } last || last.Ms < ms
                ? (high, "none")
                : (Search(reader, tp, low, last.Offset, ms, timeout), "search");
        }
        return result;
    }

    // Invariant: the answer lies in [lo, hi] and the record at hi is at or after ms.
    private static long Search(IConsumer<Ignore, byte[]> reader, TopicPartition tp, long lo, long hi, long ms, TimeSpan timeout)
    {
        while (lo < hi)
        {
            long mid = lo + ((hi - lo) / 2);
            // The record read may sit past mid (offsets taken by transaction markers hold none): it is the first from mid on.
            if (ReadAt(reader, tp, mid, timeout) is { } r && r.Ms < ms)
            {
                lo = r.Offset + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }

    private static (long Offset, long Ms)? ReadAt(IConsumer<Ignore, byte[]> reader, TopicPartition tp, long offset, TimeSpan timeout)
    {
        reader.Assign(new TopicPartitionOffset(tp, offset));
        try
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < timeout)
            {
                var r = reader.Consume(TimeSpan.FromMilliseconds(200));
                if (r is null || r.Partition.Value != tp.Partition.Value)
                {
                    continue;
                }
                return r.IsPartitionEOF ? null : (r.Offset.Value, r.Message.Timestamp.UnixTimestampMs);
            }
            throw new KafkaException(new Error(ErrorCode.Local_TimedOut, $"reading offset {offset} of {tp} took longer than {timeout.TotalSeconds:F0} s"));
        }
        finally
        {
            reader.Unassign();
        }
    }
}
