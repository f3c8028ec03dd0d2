using System.Text.Json;
using Attribution.Bench.Baseline;
using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.State;

namespace Attribution.Bench.Streamiz;

/// <summary>
/// The attribution job as a Streamiz user writes it: a transformer over a KStream keyed by user id, the JSON
/// deserialised to a class, the last click per (user, campaign) and the attributed conversion ids in two persistent
/// (RocksDB) key-value stores, the output JSON written in the contract's field order. Keeps the last click only
/// (no K-click history, no event-time expiry): on the bench's workload that gives the engine's attributions
/// (bench/RESULTS.md: the naive job, also last-click-only, matches the engine's 141,807).
/// </summary>
internal sealed class StreamizAttributionTransformer : ITransformer<string, string, string, string>
{
    /// <summary>Store of the last click per "user|campaign" (the click as JSON).</summary>
    public const string ClickStore = "last-clicks";

    /// <summary>Store of attributed conversion ids per "user|conversion id" (the conversion's timestamp).</summary>
    public const string ConversionStore = "attributed-ids";

    private const int WindowHours = 24;
    private const long WindowMs = WindowHours * 3_600_000L;

    private readonly StreamizCounters _counters;
    private IKeyValueStore<string, string>? _clicks;
    private IKeyValueStore<string, long>? _conversions;

    /// <summary>The template instance the builder's new() constraint asks for; each task's transformer gets the builder's arguments.</summary>
    public StreamizAttributionTransformer() => _counters = new StreamizCounters();

    /// <summary>Creates the transformer of one task; <paramref name="counters"/> is shared by all tasks.</summary>
    public StreamizAttributionTransformer(StreamizCounters counters) => _counters = counters;

    /// <inheritdoc />
    public void Init(ProcessorContext<string, string> context)
    {
        _clicks = (IKeyValueStore<string, string>)context.GetStateStore(ClickStore);
        _conversions = (IKeyValueStore<string, long>)context.GetStateStore(ConversionStore);
    }

    /// <inheritdoc />
    public Record<string, string> Process(Record<string, string> record)
    {
        string? output = Attribute(record.Value);
        _counters.OnProcessed(output is not null);
        // Streamiz forwards nothing for a null record.
        return output is null ? null! : Record<string, string>.Create(record.Key, output);
    }

    /// <inheritdoc />
    public void Close()
    {
    }

    private string? Attribute(string line)
    {
        EventClass? e;
        try
        {
            e = JsonSerializer.Deserialize<EventClass>(line);
        }
        catch (JsonException)
        {
            Interlocked.Increment(ref _counters.Invalid);
            return null;
        }
        if (e?.UserId is null || e.CampaignId is null || e.EventId is null)
        {
            Interlocked.Increment(ref _counters.Invalid);
            return null;
        }
        string clickKey = e.UserId + "|" + e.CampaignId;
        if (e.EventType == "click" && e.AdId is not null && e.Source is not null)
        {
            string? storedJson = _clicks!.Get(clickKey);
            if (storedJson is null || JsonSerializer.Deserialize<ClickClass>(storedJson)!.Timestamp <= e.Timestamp)
            {
                _clicks.Put(clickKey, JsonSerializer.Serialize(new ClickClass { EventId = e.EventId, AdId = e.AdId, Source = e.Source, Timestamp = e.Timestamp }));
            }
            return null;
        }
        if (e.EventType != "conversion")
        {
            Interlocked.Increment(ref _counters.Invalid);
            return null;
        }
        string conversionKey = e.UserId + "|" + e.EventId;
        // A missing key reads as 0 from an Int64 store; epoch-ms timestamps of real conversions are not 0.
        if (_conversions!.Get(conversionKey) != 0)
        {
            Interlocked.Increment(ref _counters.Duplicates);
            return null;
        }
        string? clickJson = _clicks!.Get(clickKey);
        if (clickJson is null)
        {
            return null;
        }
        ClickClass click = JsonSerializer.Deserialize<ClickClass>(clickJson)!;
        long age = e.Timestamp - click.Timestamp;
        if (age < 0 || age > WindowMs)
        {
            return null;
        }
        _conversions.Put(conversionKey, e.Timestamp);
        return StreamizOutput.Write(e, click, WindowHours);
    }
}
