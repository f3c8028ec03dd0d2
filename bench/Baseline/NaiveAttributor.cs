using System.IO.Hashing;
using System.Text.Json;

namespace Attribution.Bench.Baseline;

/// <summary>
/// The attribution job written the way most teams would: one thread, <c>JsonSerializer</c> into a
/// class per line, a <c>Dictionary</c> of last clicks, a <c>HashSet</c> of attributed conversion ids,
/// <c>JsonSerializer</c> for each output. Same rules as the Flink job (docs/SEMANTICS.md rules 1–3) without
/// click history or expiry: it keeps only the latest click and remembers ids forever.
/// </summary>
public sealed class NaiveAttributor
{
    private static readonly JsonSerializerOptions Options = new();

    private readonly Dictionary<(string User, string Campaign), ClickClass> _lastClicks = [];
    private readonly HashSet<(string User, string ConversionId)> _attributed = [];
    private readonly long _windowMs;
    private readonly int _windowHours;

    /// <summary>Creates an attributor with an attribution window of whole hours.</summary>
    public NaiveAttributor(int windowHours = 24)
    {
        _windowHours = windowHours;
        _windowMs = windowHours * 3_600_000L;
    }

    /// <summary>Clicks seen.</summary>
    public long Clicks { get; private set; }
    /// <summary>Conversions seen.</summary>
    public long Conversions { get; private set; }
    /// <summary>Conversions attributed (outputs sent).</summary>
    public long Attributed { get; private set; }
    /// <summary>Conversions whose id was already attributed.</summary>
    public long Duplicates { get; private set; }
    /// <summary>Conversions without a click in the window.</summary>
    public long Unmatched { get; private set; }
    /// <summary>Lines that were not a valid click or conversion.</summary>
    public long Invalid { get; private set; }

    /// <summary>Bytes of all outputs.</summary>
    public long OutputBytes { get; private set; }

    /// <summary>Order-independent checksum of the outputs: the sum of each output's XXH3-64.</summary>
    public ulong Checksum { get; private set; }

    /// <summary>(user, campaign) pairs with a stored click.</summary>
    public int StoredClicks => _lastClicks.Count;

    /// <summary>Processes one JSON line; an attributed conversion's output is "sent" (counted and checksummed).</summary>
    public void Process(ReadOnlySpan<byte> line) => Attribute(line, out _);

    /// <summary>
    /// Processes one JSON line and returns the attributed conversion's JSON (counted and checksummed),
    /// or null when the line produces no output; <paramref name="user"/> is the output's key.
    /// </summary>
    public byte[]? Attribute(ReadOnlySpan<byte> line, out string? user)
    {
        user = null;
        EventClass? e;
        try
        {
            e = JsonSerializer.Deserialize<EventClass>(line, Options);
        }
        catch (JsonException)
        {
            Invalid++;
            return null;
        }
        if (e?.UserId is null || e.CampaignId is null || e.EventId is null)
        {
            Invalid++;
            return null;
        }
        if (e.EventType == "click" && e.AdId is not null && e.Source is not null)
        {
            Clicks++;
            var key = (e.UserId, e.CampaignId);
            if (!_lastClicks.TryGetValue(key, out ClickClass? stored) || e.Timestamp >= stored.Timestamp)
            {
                _lastClicks[key] = new ClickClass { EventId = e.EventId, AdId = e.AdId, Source = e.Source, Timestamp = e.Timestamp };
            }
            return null;
        }
        else if (e.EventType == "conversion")
        {
            Conversions++;
            if (_attributed.Contains((e.UserId, e.EventId)))
            {
                Duplicates++;
                return null;
            }
            if (!_lastClicks.TryGetValue((e.UserId, e.CampaignId), out ClickClass? click)
                || e.Timestamp - click.Timestamp < 0 || e.Timestamp - click.Timestamp > _windowMs)
            {
                Unmatched++;
                return null;
            }
            byte[] output = JsonSerializer.SerializeToUtf8Bytes(new AttributedClass
            {
                ConversionId = e.EventId,
                ClickId = click.EventId,
                UserId = e.UserId,
                AdId = click.AdId,
                CampaignId = e.CampaignId,
                Source = click.Source,
                ConversionType = e.Type,
                Value = e.Value,
                ClickTime = click.Timestamp,
                ConversionTime = e.Timestamp,
                AttributionWindowHours = _windowHours,
            }, Options);
            _attributed.Add((e.UserId, e.EventId));
            Attributed++;
            OutputBytes += output.Length;
            Checksum += XxHash3.HashToUInt64(output);
            user = e.UserId;
            return output;
        }
        Invalid++;
        return null;
    }
}
