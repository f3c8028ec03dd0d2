using System.Buffers;
using Attribution.Engine.Attribution;
using Attribution.Engine.Events;

namespace Attribution.Engine.Codecs;

/// <summary>
/// Writes attributed conversions as JSON (docs/SEMANTICS.md, wire formats), field order fixed:
/// event_type, conversion_id, click_id, user_id, ad_id, campaign_id, source (the click's), conversion_type,
/// value (exact number text), click_time, conversion_time, attribution_window_hours. No trailing newline.
/// </summary>
/// <remarks>
/// Zero allocation: bytes are written directly (strings escaped for any valid UTF-8). Reusable, but not thread-safe:
/// it caches the formatted window, so use one instance per writing thread.
/// </remarks>
internal sealed class AttributionJsonWriter : IAttributionWriter
{
    // Field names, punctuation and the constant event type; strings and numbers are added per record.
    private const int FixedBytes = 256;
    private const int NumberBytes = 20;

    private readonly byte[] _windowText = new byte[32];
    private int _windowTextLength;
    private double _windowHours = double.NaN;

    /// <summary>Largest number of bytes one output for these inputs can take (strings fully escaped).</summary>
    public static int MaxBytes(in EventRecord conversion, in ClickView click)
        => FixedBytes + (4 * NumberBytes) + conversion.Value.Length
           + JsonSpanWriter.MaxStringBytes(conversion.EventId.Length) + JsonSpanWriter.MaxStringBytes(click.EventId.Length)
           + JsonSpanWriter.MaxStringBytes(conversion.UserId.Length) + JsonSpanWriter.MaxStringBytes(click.AdId.Length)
           + JsonSpanWriter.MaxStringBytes(conversion.CampaignId.Length) + JsonSpanWriter.MaxStringBytes(click.Source.Length)
           + JsonSpanWriter.MaxStringBytes(conversion.ConversionType.Length);

    /// <summary>Writes one output into <paramref name="output"/> (asking it for <see cref="MaxBytes"/> only when the first span is too small).</summary>
    public void Write(IBufferWriter<byte> output, in EventRecord conversion, in ClickView click, double windowHours)
    {
        int written = Write(output.GetSpan(), conversion, click, windowHours);
        if (written < 0)
        {
            written = Write(output.GetSpan(MaxBytes(conversion, click)), conversion, click, windowHours);
            if (written < 0)
            {
                CodecThrow.BufferWriterTooSmall();
            }
        }
        output.Advance(written);
    }

    /// <summary>Writes one output into <paramref name="destination"/>; returns the bytes written, or -1 when it is too small.</summary>
    /// <exception cref="ArgumentException"><paramref name="conversion"/> is not a decoded conversion.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="windowHours"/> is not finite.</exception>
    public int Write(Span<byte> destination, in EventRecord conversion, in ClickView click, double windowHours)
    {
        if (conversion.Kind != EventKind.Conversion)
        {
            CodecThrow.NotAConversion(nameof(conversion));
        }
        ReadOnlySpan<byte> value = RecordFields.Get(conversion, conversion.Value);
        if (conversion.Value.IsPresent && !JsonNumberText.IsValid(value))
        {
            CodecThrow.InvalidValueText(nameof(conversion));
        }
        ReadOnlySpan<byte> window = FormatWindow(windowHours);

        var json = new JsonSpanWriter(destination);
        json.WriteRaw("{\"event_type\":\"attributed_conversion\",\"conversion_id\":"u8);
        json.WriteString(RecordFields.Get(conversion, conversion.EventId));
        json.WriteRaw(",\"click_id\":"u8);
        json.WriteString(click.EventId);
        json.WriteRaw(",\"user_id\":"u8);
        json.WriteString(RecordFields.Get(conversion, conversion.UserId));
        json.WriteRaw(",\"ad_id\":"u8);
        json.WriteString(click.AdId);
        json.WriteRaw(",\"campaign_id\":"u8);
        json.WriteString(RecordFields.Get(conversion, conversion.CampaignId));
        json.WriteRaw(",\"source\":"u8);
        json.WriteString(click.Source);
        json.WriteRaw(",\"conversion_type\":"u8);
        if (conversion.ConversionType.IsPresent)
        {
            json.WriteString(RecordFields.Get(conversion, conversion.ConversionType));
        }
        else
        {
            json.WriteNull();
        }
        json.WriteRaw(",\"value\":"u8);
        if (conversion.Value.IsPresent)
        {
            // The exact decimal text from the input: 50.00 stays 50.00.
            json.WriteRaw(value);
        }
        else
        {
            json.WriteNull();
        }
        json.WriteRaw(",\"click_time\":"u8);
        json.WriteInt64(click.Timestamp);
        json.WriteRaw(",\"conversion_time\":"u8);
        json.WriteInt64(conversion.Timestamp);
        json.WriteRaw(",\"attribution_window_hours\":"u8);
        json.WriteRaw(window);
        json.WriteByte((byte)'}');
        return json.Result;
    }

    private ReadOnlySpan<byte> FormatWindow(double windowHours)
    {
        // The window is the same for every output of a run: format it once (24 -> "24", 1.5 -> "1.5").
        if (windowHours != _windowHours)
        {
            if (!JsonNumberText.TryFormat(windowHours, _windowText, out _windowTextLength))
            {
                CodecThrow.WindowNotFinite(windowHours);
            }
            _windowHours = windowHours;
        }
        return _windowText.AsSpan(0, _windowTextLength);
    }
}
