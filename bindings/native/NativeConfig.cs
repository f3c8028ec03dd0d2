using System.Text.Json;
using System.Text.Unicode;
using Attribution.Engine.Attribution;
using Attribution.Engine.Pipeline;

namespace Attribution.Native;

/// <summary>
/// The configuration given to <c>attr_open</c>: a JSON object whose keys are listed in
/// attribution.h. Parsed strictly: unknown or repeated keys, wrong types and invalid UTF-8 are
/// errors, so a typo never silently runs with a default.
/// </summary>
internal sealed record NativeConfig
{
    /// <summary>Default bound of the output queue: submit reports back-pressure beyond it.</summary>
    public const long DefaultOutputBufferBytes = 64L * 1024 * 1024;

    /// <summary>The engine options.</summary>
    public required EngineOptions Engine { get; init; }

    /// <summary>Pending output bytes at which submit returns back-pressure.</summary>
    public long OutputBufferBytes { get; init; } = DefaultOutputBufferBytes;

    /// <summary>Parses <paramref name="json"/> (empty = all defaults); returns null and a one-sentence <paramref name="error"/> when invalid.</summary>
    public static NativeConfig? Parse(ReadOnlySpan<byte> json, out string? error)
    {
        var engine = new EngineOptions { Wait = WaitKind.Sleeping };
        var attribution = new AttributionConfig();
        long outputBuffer = DefaultOutputBufferBytes;
        error = null;
        if (!Utf8.IsValid(json))
        {
            error = "The configuration is not valid UTF-8.";
            return null;
        }
        if (json.Trim(" \t\r\n"u8).IsEmpty)
        {
            return Build(engine, attribution, outputBuffer, out error);
        }
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 4 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "The configuration must be a JSON object.";
                return null;
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string key = reader.GetString()!;
                if (!seen.Add(key))
                {
                    error = $"The configuration key \"{key}\" appears more than once.";
                    return null;
                }
                reader.Read();
                switch (key)
                {
                    case "state_dir":
                        engine = engine with { StateDirectory = reader.TokenType == JsonTokenType.Null ? null : String(ref reader, key) };
                        break;
                    case "shards":
                        engine = engine with { Shards = (int)Integer(ref reader, key, EngineOptions.ShardsRange) };
                        break;
                    case "ring_size":
                        engine = engine with { RingSize = (int)Integer(ref reader, key, EngineOptions.RingSizeRange) };
                        break;
                    case "multi_producer":
                        engine = engine with { MultiProducer = Boolean(ref reader, key) };
                        break;
                    case "wait":
                        engine = engine with { Wait = ParseWait(String(ref reader, key)) };
                        break;
                    case "output_format":
                        engine = engine with { OutputFormat = ParseFormat(String(ref reader, key)) };
                        break;
                    case "click_memory_bytes":
                        engine = engine with { ClickMemoryBytes = Integer(ref reader, key, EngineOptions.MemoryBytesRange) };
                        break;
                    case "conversion_memory_bytes":
                        engine = engine with { ConversionMemoryBytes = Integer(ref reader, key, EngineOptions.MemoryBytesRange) };
                        break;
                    case "index_buckets":
                        engine = engine with { IndexBuckets = Integer(ref reader, key, EngineOptions.IndexBucketsRange) };
                        break;
                    case "expire_every_events":
                        engine = engine with { ExpireEveryEvents = Integer(ref reader, key, 1, long.MaxValue) };
                        break;
                    case "window_hours":
                        attribution = attribution with { WindowMs = WindowMs(ref reader, key) };
                        break;
                    case "allowed_lateness_ms":
                        attribution = attribution with { AllowedLatenessMs = Integer(ref reader, key, 0, long.MaxValue / 4) };
                        break;
                    case "conversion_retention_ms":
                        attribution = attribution with { ConversionRetentionMs = Integer(ref reader, key, 1, long.MaxValue / 4) };
                        break;
                    case "partitions":
                        attribution = attribution with { Partitions = (int)Integer(ref reader, key, AttributionConfig.PartitionsRange) };
                        break;
                    case "click_history":
                        attribution = attribution with { ClickHistory = (int)Integer(ref reader, key, AttributionConfig.ClickHistoryRange) };
                        break;
                    case "max_record_bytes":
                        attribution = attribution with { MaxRecordBytes = (int)Integer(ref reader, key, AttributionConfig.MaxRecordBytesRange) };
                        break;
                    case "max_clock_skew_ms":
                        attribution = attribution with { MaxClockSkewMs = Integer(ref reader, key, 1, long.MaxValue / 4) };
                        break;
                    case "clock_confirmations":
                        attribution = attribution with { ClockConfirmations = (int)Integer(ref reader, key, AttributionConfig.ClockConfirmationsRange) };
                        break;
                    case "snapshot_every_events":
                        engine = engine with { SnapshotEveryEvents = Integer(ref reader, key, 0, long.MaxValue) };
                        break;
                    case "snapshots_to_keep":
                        engine = engine with { SnapshotsToKeep = (int)Integer(ref reader, key, EngineOptions.SnapshotsToKeepRange) };
                        break;
                    case "output_buffer_bytes":
                        outputBuffer = Integer(ref reader, key, 1024, 1L << 40);
                        break;
                    default:
                        error = $"Unknown configuration key \"{key}\" (see attribution.h for the accepted keys).";
                        return null;
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                error = "The configuration must be a single JSON object.";
                return null;
            }
        }
        catch (ConfigException e)
        {
            error = e.Message;
            return null;
        }
        catch (JsonException e)
        {
            error = $"The configuration is not valid JSON: {e.Message}";
            return null;
        }
        catch (InvalidOperationException e)
        {
            error = $"The configuration is not valid JSON: {e.Message}";
            return null;
        }
        return Build(engine, attribution, outputBuffer, out error);
    }

    private static NativeConfig? Build(EngineOptions engine, AttributionConfig attribution, long outputBuffer, out string? error)
    {
        engine = engine with { Attribution = attribution };
        error = engine.Validate();
        return error is null ? new NativeConfig { Engine = engine, OutputBufferBytes = outputBuffer } : null;
    }

    private static long Integer(ref Utf8JsonReader reader, string key, SettingRange range) => Integer(ref reader, key, range.Min, range.Max);

    private static long Integer(ref Utf8JsonReader reader, string key, long min, long max)
    {
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long v))
        {
            throw new ConfigException($"The configuration key \"{key}\" must be an integer.");
        }
        if (v < min || v > max)
        {
            throw new ConfigException($"The configuration key \"{key}\" must be between {min} and {max}, but it is {v}.");
        }
        return v;
    }

    private static long WindowMs(ref Utf8JsonReader reader, string key)
    {
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDecimal(out decimal hours))
        {
            throw new ConfigException($"The configuration key \"{key}\" must be a number.");
        }
        // Decimal keeps 0.5 h = 1,800,000 ms exact; the window must be a whole, positive number of ms.
        decimal ms = hours * AttributionConfig.HourMs;
        if (ms < 1 || ms > long.MaxValue / 4 || ms != decimal.Truncate(ms))
        {
            throw new ConfigException($"The configuration key \"{key}\" must be a positive number of hours that is a whole number of milliseconds, but it is {hours}.");
        }
        return (long)ms;
    }

    private static bool Boolean(ref Utf8JsonReader reader, string key) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        _ => throw new ConfigException($"The configuration key \"{key}\" must be true or false."),
    };

    private static string String(ref Utf8JsonReader reader, string key)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new ConfigException($"The configuration key \"{key}\" must be a string.");
        }
        return reader.GetString()!;
    }

    private static WaitKind ParseWait(string s) => s switch
    {
        "yielding" => WaitKind.Yielding,
        "busy_spin" => WaitKind.BusySpin,
        "blocking" => WaitKind.Blocking,
        "sleeping" => WaitKind.Sleeping,
        _ => throw new ConfigException($"The configuration key \"wait\" must be \"sleeping\", \"yielding\", \"blocking\" or \"busy_spin\", but it is \"{s}\"."),
    };

    private static WireFormat ParseFormat(string s) => s switch
    {
        "json" => WireFormat.Json,
        "msgpack" => WireFormat.MessagePack,
        _ => throw new ConfigException($"The configuration key \"output_format\" must be \"json\" or \"msgpack\", but it is \"{s}\"."),
    };

    /// <summary>A configuration problem found while reading (caught inside <see cref="Parse"/>; never leaves it).</summary>
    private sealed class ConfigException(string message) : Exception(message);
}
