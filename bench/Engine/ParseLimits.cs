using System.Diagnostics;
using System.Text.Json;
using Attribution.Engine.Codecs;
using Attribution.Engine.Events;

namespace Attribution.Bench.Engine;

/// <summary>
/// The "physical limit" rows: how fast one thread can merely tokenize the input with
/// <see cref="Utf8JsonReader"/> (no state, no output), and decode it with <see cref="JsonEventReader"/>.
/// The engine's single producer does the latter for every event, so it bounds the engine's rate.
/// </summary>
internal static class ParseLimits
{
    /// <summary>Seconds to tokenize every line; <paramref name="tokens"/> proves the work was done.</summary>
    public static double Tokenize(LineStore lines, int events, out long tokens)
    {
        var options = new JsonReaderOptions { MaxDepth = JsonEventReader.MaxDepth };
        long count = 0;
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < events; i++)
        {
            var reader = new Utf8JsonReader(lines[i], options);
            while (reader.Read())
            {
                count++;
            }
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        tokens = count;
        return seconds;
    }

    /// <summary>
    /// Seconds to decode every line into one reused <see cref="EventRecord"/>; throws on a rejection. <paramref name="exact"/>:
    /// through <c>Utf8JsonReader</c> only (<see cref="JsonEventReader.ReadExact"/>), as before the fast path.
    /// </summary>
    public static double Decode(LineStore lines, int events, int maxRecordBytes, out long timestampSum, bool exact = false)
    {
        var record = default(EventRecord);
        long sum = 0;
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < events; i++)
        {
            RejectReason reason = exact
                ? JsonEventReader.ReadExact(lines[i], ref record, maxRecordBytes)
                : JsonEventReader.Read(lines[i], ref record, maxRecordBytes);
            if (reason != RejectReason.None)
            {
                throw new InvalidOperationException($"JsonEventReader rejected generated line {i}: {RejectReasons.Name(reason)}.");
            }
            sum += record.Timestamp;
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        timestampSum = sum;
        return seconds;
    }

    /// <summary>
    /// Seconds to decode every line into <paramref name="slots"/> records used in turn, like the producer fills ring slots:
    /// the difference to <see cref="Decode"/> (one hot record) is the cost of writing cold slots.
    /// </summary>
    public static double DecodeIntoSlots(LineStore lines, int events, int maxRecordBytes, int slots, out long timestampSum)
    {
        var records = new EventRecord[slots];
        long sum = 0;
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < events; i++)
        {
            ref EventRecord record = ref records[i & (slots - 1)];
            if (JsonEventReader.Read(lines[i], ref record, maxRecordBytes) != RejectReason.None)
            {
                throw new InvalidOperationException($"JsonEventReader rejected generated line {i}.");
            }
            sum += record.Timestamp;
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        timestampSum = sum;
        return seconds;
    }
}
