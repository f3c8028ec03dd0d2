using System.Buffers;
using Attribution.Engine.Codecs;
using Attribution.Engine.Events;
using MessagePack;

namespace Attribution.Testing.Codecs;

/// <summary>
/// Writes input events in the MessagePack wire format: a map with the JSON field names, in the same order as
/// <see cref="EventJsonWriter"/>. <c>value</c> is a string holding the exact decimal text (MessagePack has no
/// decimal type). Uses the low-level <see cref="MessagePackWriter"/>; zero allocation, stateless, thread-safe.
/// </summary>
public sealed class MessagePackEventWriter : IEventWriter
{
    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="record"/> is not a decoded click or conversion.</exception>
    public void Write(IBufferWriter<byte> output, in EventRecord record)
    {
        bool click = record.Kind == EventKind.Click;
        if (!click && record.Kind != EventKind.Conversion)
        {
            CodecThrow.NotAnEvent(nameof(record));
        }
        ReadOnlySpan<byte> value = RecordFields.Get(record, record.Value);
        if (!click && record.Value.IsPresent && !JsonNumberText.IsValid(value))
        {
            CodecThrow.InvalidValueText(nameof(record));
        }
        int count = click
            ? 7
            : 5 + (record.ConversionType.IsPresent ? 1 : 0) + (record.Value.IsPresent ? 1 : 0) + (record.Source.IsPresent ? 1 : 0);

        scoped var writer = new MessagePackWriter(output);
        writer.WriteMapHeader(count);
        WriteField(ref writer, WireNames.EventType, click ? WireNames.Click : WireNames.Conversion);
        WriteField(ref writer, WireNames.EventId, RecordFields.Get(record, record.EventId));
        WriteField(ref writer, WireNames.UserId, RecordFields.Get(record, record.UserId));
        WriteField(ref writer, WireNames.CampaignId, RecordFields.Get(record, record.CampaignId));
        if (click)
        {
            WriteField(ref writer, WireNames.AdId, RecordFields.Get(record, record.AdId));
            WriteField(ref writer, WireNames.Source, RecordFields.Get(record, record.Source));
        }
        else
        {
            if (record.ConversionType.IsPresent)
            {
                WriteField(ref writer, WireNames.Type, RecordFields.Get(record, record.ConversionType));
            }
            if (record.Value.IsPresent)
            {
                // The exact decimal text as a string: MessagePack has no decimal type.
                WriteField(ref writer, WireNames.Value, value);
            }
            if (record.Source.IsPresent)
            {
                WriteField(ref writer, WireNames.Source, RecordFields.Get(record, record.Source));
            }
        }
        writer.WriteString(WireNames.Timestamp);
        writer.Write(record.Timestamp);
        writer.Flush();
    }

    private static void WriteField(ref MessagePackWriter writer, ReadOnlySpan<byte> name, ReadOnlySpan<byte> utf8)
    {
        writer.WriteString(name);
        writer.WriteString(utf8);
    }
}
