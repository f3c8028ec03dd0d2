using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Attribution.Engine.Events;

namespace Attribution.Host.Replay;

/// <summary>
/// Writes rejected input records as JSON lines: <c>{"line":N,"reason":"…","field":"…","record":"…"}</c>.
/// <c>field</c> names the input field the reason is about (absent when it concerns the whole record).
/// A record that is not valid UTF-8, or holds control characters other than tab (which JSON would escape six bytes each), is kept
/// as <c>record_base64</c>, so no byte is lost or blown up. A letter carries at most the first <see cref="MaxRecordBytes"/>
/// of a record (cut at a character boundary); a cut letter says <c>"truncated":true</c> and <c>record_bytes</c>, the record's
/// length in the input — the whole record stays there at its line.
/// </summary>
public sealed class DeadLetterWriter : IDisposable
{
    /// <summary>Most bytes of a record a letter carries (as the Kafka host's dead letters).</summary>
    public const int MaxRecordBytes = 512 * 1024;

    private readonly Stream _stream;
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private readonly Utf8JsonWriter _json;
    private readonly string _name;
    private bool _failed;

    /// <summary>
    /// Writes to <paramref name="stream"/> (owned: disposed with this writer), which already holds <paramref name="startBytes"/> bytes;
    /// <paramref name="path"/> names the file in errors.
    /// </summary>
    public DeadLetterWriter(Stream stream, long startBytes = 0, string? path = null)
    {
        _stream = stream;
        _name = path ?? "(stream)";
        BytesWritten = startBytes;
        _json = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = false });
    }

    /// <summary>Records written.</summary>
    public long Count { get; private set; }

    /// <summary>Length of the dead-letter file after the last <see cref="Flush"/>.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Writes one rejected record (<paramref name="record"/> may be the first bytes of a longer one of <paramref name="fullLength"/>).</summary>
    public void Write(long lineNumber, RejectReason reason, ReadOnlySpan<byte> record, bool truncated, long fullLength, RecordField field = RecordField.None)
    {
        fullLength = Math.Max(fullLength, record.Length);
        ReadOnlySpan<byte> kept = record.Length > MaxRecordBytes ? CutAtCharacter(record[..MaxRecordBytes]) : record;
        _json.Reset(_buffer);
        _json.WriteStartObject();
        _json.WriteNumber("line"u8, lineNumber);
        _json.WriteString("reason"u8, RejectReasons.Name(reason));
        if (RecordFieldNames.Name(field) is { } name)
        {
            _json.WriteString("field"u8, name);
        }
        if (truncated || kept.Length < fullLength)
        {
            _json.WriteBoolean("truncated"u8, true);
            _json.WriteNumber("record_bytes"u8, fullLength);
        }
        if (Utf8.IsValid(kept) && kept.IndexOfAnyInRange((byte)0, (byte)0x08) < 0 && kept.IndexOfAnyInRange((byte)0x0A, (byte)0x1F) < 0)
        {
            _json.WriteString("record"u8, kept);
        }
        else
        {
            _json.WriteBase64String("record_base64"u8, kept);
        }
        _json.WriteEndObject();
        _json.Flush();
        _buffer.Write("\n"u8);
        Count++;
        if (_buffer.WrittenCount > 48 * 1024)
        {
            Flush();
        }
    }

    // A cut in the middle of a multi-byte character would make valid text look binary: back off to its start.
    private static ReadOnlySpan<byte> CutAtCharacter(ReadOnlySpan<byte> cut)
    {
        for (int back = 0; back < 4 && back < cut.Length; back++)
        {
            if (Utf8.IsValid(cut[..(cut.Length - back)]))
            {
                return cut[..(cut.Length - back)];
            }
        }
        return cut;
    }

    /// <summary>Writes buffered records to the stream.</summary>
    /// <exception cref="OutputWriteException">The file could not be written (e.g. its disk is full); the writer accepts nothing more.</exception>
    public void Flush()
    {
        if (_failed)
        {
            throw new InvalidOperationException($"The dead-letter file '{_name}' failed earlier; nothing more is written to it.");
        }
        try
        {
            _stream.Write(_buffer.WrittenSpan);
            _stream.Flush();
        }
        catch (IOException e)
        {
            // Part of the buffer may be in the file: its recorded length (BytesWritten) stays at the last whole flush.
            _failed = true;
            throw new OutputWriteException("dead-letter file", _name, e);
        }
        BytesWritten += _buffer.WrittenCount;
        _buffer.ResetWrittenCount();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        try
        {
            if (!_failed)
            {
                Flush();
            }
        }
        finally
        {
            _json.Dispose();
            _stream.Dispose();
        }
    }
}
