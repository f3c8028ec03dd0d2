using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Attribution.Engine.Events;

namespace Attribution.Host.Replay;

/// <summary>
/// Writes rejected input records as JSON lines: <c>{"line":N,"reason":"…","record":"…"}</c>.
/// A record that is not valid UTF-8 is kept as <c>record_base64</c> so no byte is lost; a record
/// beyond the reader's hard limit keeps only its length (<c>record_bytes</c>, <c>truncated</c>).
/// </summary>
public sealed class DeadLetterWriter : IDisposable
{
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

    /// <summary>Writes one rejected record.</summary>
    public void Write(long lineNumber, RejectReason reason, ReadOnlySpan<byte> record, bool truncated, long fullLength)
    {
        _json.Reset(_buffer);
        _json.WriteStartObject();
        _json.WriteNumber("line"u8, lineNumber);
        _json.WriteString("reason"u8, RejectReasons.Name(reason));
        if (truncated)
        {
            _json.WriteBoolean("truncated"u8, true);
            _json.WriteNumber("record_bytes"u8, fullLength);
        }
        else if (Utf8.IsValid(record))
        {
            _json.WriteString("record"u8, record);
        }
        else
        {
            _json.WriteBase64String("record_base64"u8, record);
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
