namespace Attribution.Host.Replay;

/// <summary>
/// Splits a byte stream into lines without allocating per line: lines are spans over one reused
/// buffer. A line longer than the buffer grows it (rare, bad input) up to <see cref="HardLimit"/>;
/// beyond that only its first <see cref="KeptPrefix"/> bytes are kept and the line is reported as cut,
/// so the caller rejects it as oversized instead of holding gigabytes in memory. A UTF-8 byte order
/// mark at the start of the stream is skipped (editors on some systems write one; it is not part of the first record).
/// </summary>
public sealed class LineReader
{
    /// <summary>Largest line kept in full (bytes); longer lines are reported with <c>truncated = true</c>.</summary>
    public const int HardLimit = 64 * 1024 * 1024;

    /// <summary>Bytes kept of a line beyond <see cref="HardLimit"/> (what a dead letter carries of it).</summary>
    public const int KeptPrefix = 512 * 1024;

    private readonly Stream _stream;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private bool _eof;
    private bool _atStart = true;

    /// <summary>Reads lines from <paramref name="stream"/>.</summary>
    public LineReader(Stream stream, int bufferSize = 1 << 20)
    {
        _stream = stream;
        _buffer = new byte[Math.Max(bufferSize, 4)];
    }

    /// <summary>1-based number of the line last returned.</summary>
    public long LineNumber { get; private set; }

    /// <summary>Whether the stream began with a UTF-8 byte order mark (skipped).</summary>
    public bool SkippedByteOrderMark { get; private set; }

    /// <summary>
    /// Returns the next line (without its '\n' or '\r\n'), or false at end of input. When a line
    /// exceeds <see cref="HardLimit"/>, <paramref name="truncated"/> is true, <paramref name="line"/>
    /// holds its first <see cref="KeptPrefix"/> bytes and <paramref name="fullLength"/> its real length.
    /// </summary>
    public bool TryReadLine(out ReadOnlySpan<byte> line, out bool truncated, out long fullLength)
    {
        if (_atStart)
        {
            SkipByteOrderMark();
        }
        truncated = false;
        int scanFrom = _start;
        // While cutting a line: the buffer holds its kept prefix [0, kept) then the bytes read after it;
        // `dropped` counts the bytes between the two that were not kept.
        long dropped = 0;
        int kept = -1;
        while (true)
        {
            int nl = _buffer.AsSpan(scanFrom, _end - scanFrom).IndexOf((byte)'\n');
            if (nl >= 0 || _eof)
            {
                if (nl < 0 && _start == _end && kept < 0)
                {
                    line = default;
                    fullLength = 0;
                    return false;
                }
                int lineStart = _start;
                int lineEnd = nl >= 0 ? scanFrom + nl : _end;
                int len = lineEnd - lineStart;
                // (When cutting, the byte before a newline right after the kept prefix was dropped: its '\r' is counted.)
                if (nl >= 0 && len > 0 && (kept < 0 || lineEnd > kept) && _buffer[lineEnd - 1] == (byte)'\r')
                {
                    len--;
                }
                _start = nl >= 0 ? lineEnd + 1 : _end;
                LineNumber++;
                if (kept >= 0)
                {
                    truncated = true;
                    fullLength = dropped + len;
                    line = _buffer.AsSpan(0, kept);
                    return true;
                }
                line = _buffer.AsSpan(lineStart, len);
                fullLength = len;
                return true;
            }
            scanFrom = _end;
            if (_start > 0 && kept < 0)
            {
                // Move the partial line to the front before reading more.
                int partial = _end - _start;
                _buffer.AsSpan(_start, partial).CopyTo(_buffer);
                scanFrom -= _start;
                _start = 0;
                _end = partial;
            }
            if (_end == _buffer.Length)
            {
                if (_buffer.Length >= HardLimit)
                {
                    // Keep only the first bytes of an absurd line and count the rest as they pass.
                    if (kept < 0)
                    {
                        kept = Math.Min(KeptPrefix, _end);
                    }
                    dropped += _end - kept;
                    _end = scanFrom = kept;
                }
                else
                {
                    Array.Resize(ref _buffer, Math.Min(HardLimit, _buffer.Length * 2));
                }
            }
            int read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                _eof = true;
            }
            _end += read;
        }
    }

    private void SkipByteOrderMark()
    {
        _atStart = false;
        while (_end < 3 && !_eof)
        {
            int read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                _eof = true;
            }
            _end += read;
        }
        if (_end >= 3 && _buffer[0] == 0xEF && _buffer[1] == 0xBB && _buffer[2] == 0xBF)
        {
            _start = 3;
            SkippedByteOrderMark = true;
        }
    }
}
