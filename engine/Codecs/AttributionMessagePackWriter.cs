using System.Buffers;
using Attribution.Engine.Attribution;
using Attribution.Engine.Events;
using MessagePack;

namespace Attribution.Engine.Codecs;

/// <summary>
/// Writes attributed conversions in the MessagePack wire format: a 12-entry map with the same keys and order as
/// <see cref="AttributionJsonWriter"/>. <c>value</c> is a string with the exact decimal text (MessagePack has no
/// decimal, and a float64 cannot hold 19.99 exactly) or nil; <c>conversion_type</c> is nil when absent;
/// <c>attribution_window_hours</c> is an integer when whole (24), else a float64 (1.5), as JSON writes it.
/// Uses the low-level <see cref="MessagePackWriter"/>; zero allocation, stateless, thread-safe.
/// </summary>
internal sealed class AttributionMessagePackWriter : IAttributionWriter
{
    // Doubles beyond 2^53 are not all integers we could write exactly as int64; keep them float64.
    private const double MaxExactInteger = 9007199254740992d;

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="conversion"/> is not a decoded conversion.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="windowHours"/> is not finite.</exception>
    public void Write(IBufferWriter<byte> output, in EventRecord conversion, in ClickView click, double windowHours)
    {
        if (conversion.Kind != EventKind.Conversion)
        {
            CodecThrow.NotAConversion(nameof(conversion));
        }
        if (!double.IsFinite(windowHours))
        {
            CodecThrow.WindowNotFinite(windowHours);
        }
        ReadOnlySpan<byte> value = RecordFields.Get(conversion, conversion.Value);
        if (conversion.Value.IsPresent && !JsonNumberText.IsValid(value))
        {
            CodecThrow.InvalidValueText(nameof(conversion));
        }

        scoped var writer = new MessagePackWriter(output);
        writer.WriteMapHeader(12);
        WriteField(ref writer, WireNames.EventType, WireNames.AttributedConversion);
        WriteField(ref writer, WireNames.ConversionId, RecordFields.Get(conversion, conversion.EventId));
        WriteField(ref writer, WireNames.ClickId, click.EventId);
        WriteField(ref writer, WireNames.UserId, RecordFields.Get(conversion, conversion.UserId));
        WriteField(ref writer, WireNames.AdId, click.AdId);
        WriteField(ref writer, WireNames.CampaignId, RecordFields.Get(conversion, conversion.CampaignId));
        WriteField(ref writer, WireNames.Source, click.Source);
        writer.WriteString(WireNames.ConversionType);
        if (conversion.ConversionType.IsPresent)
        {
            writer.WriteString(RecordFields.Get(conversion, conversion.ConversionType));
        }
        else
        {
            writer.WriteNil();
        }
        writer.WriteString(WireNames.Value);
        if (conversion.Value.IsPresent)
        {
            writer.WriteString(value);
        }
        else
        {
            writer.WriteNil();
        }
        writer.WriteString(WireNames.ClickTime);
        writer.Write(click.Timestamp);
        writer.WriteString(WireNames.ConversionTime);
        writer.Write(conversion.Timestamp);
        writer.WriteString(WireNames.AttributionWindowHours);
        if (windowHours == Math.Floor(windowHours) && Math.Abs(windowHours) <= MaxExactInteger)
        {
            writer.Write((long)windowHours);
        }
        else
        {
            writer.Write(windowHours);
        }
        writer.Flush();
    }

    private static void WriteField(ref MessagePackWriter writer, ReadOnlySpan<byte> name, ReadOnlySpan<byte> utf8)
    {
        writer.WriteString(name);
        writer.WriteString(utf8);
    }
}
