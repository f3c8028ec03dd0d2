namespace Attribution.Host.Replay;

/// <summary>
/// Splits a byte stream into lines without allocating per line: lines are spans over one reused
/// buffer. A line longer than the buffer grows it (rare, bad input) up to <see cref="HardLimit"/>;
/// beyond that the line is reported as cut so the caller rejects it as oversized instead of
/// holding gigabytes in memory.
/// </summary>
public sealed class LineReader
{
    /// <summary>Largest line kept in full (bytes); longer lines are reported with <c>truncated = true</c>.</summary>
    public const int HardLimit = 64 * 1024 * 1024;

    private readonly Stream _stream;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private bool _eof;
    private bool _skipping;

    /// <summary>Reads lines from <paramref name="stream"/>.</summary>
    public LineReader(Stream stream, int bufferSize = 1 << 20)
    {
        _stream = stream;
        _buffer = new byte[bufferSize];
    }

    /// <summary>1-based number of the line last returned.</summary>
    public long LineNumber { get; private set; }

    /// <summary>
    /// Returns the next line (without its '\n' or '\r\n'), or false at end of input. When a line
    /// exceeds <see cref="HardLimit"/>, <paramref name="truncated"/> is true, <paramref name="line"/>
    /// holds its first <see cref="HardLimit"/> bytes and <paramref name="fullLength"/> its real length.
    /// </summary>
    public bool TryReadLine(out ReadOnlySpan<byte> line, out bool truncated, out long fullLength)
    {
        truncated = false;
        int scanFrom = _start;
        long skipped = 0;
        while (true)
        {
            int nl = _buffer.AsSpan(scanFrom, _end - scanFrom).IndexOf((byte)'\n');
            if (nl >= 0)
            {
                int lineEnd = scanFrom + nl;
                int len = lineEnd - _start;
                if (len > 0 && _buffer[lineEnd - 1] == (byte)'\r')
                {
                    len--;
                }
                line = _buffer.AsSpan(_start, len);
                _start = lineEnd + 1;
                LineNumber++;
                if (_skipping)
                {
                    _skipping = false;
                    truncated = true;
                    fullLength = HardLimit + skipped + len;
                    line = _buffer.AsSpan(0, 0);
                    return true;
                }
                fullLength = len;
                return true;
            }
            if (_eof)
            {
                if (_start < _end || _skipping)
                {
                    int len = _end - _start;
                    line = _buffer.AsSpan(_start, len);
                    _start = _end;
                    LineNumber++;
                    fullLength = len;
                    if (_skipping)
                    {
                        _skipping = false;
                        truncated = true;
                        fullLength = HardLimit + skipped + len;
                        line = _buffer.AsSpan(0, 0);
                    }
                    return true;
                }
                line = default;
                fullLength = 0;
                return false;
            }
            scanFrom = _end;
            if (_start > 0)
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
                    // Keep nothing of an absurd line: remember we are inside it and count its bytes.
                    skipped += _end;
                    _skipping = true;
                    _start = _end = scanFrom = 0;
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
}
