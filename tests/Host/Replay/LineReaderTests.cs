using System.Text;
using Attribution.Host.Replay;

namespace Attribution.Tests.Host.Replay;

public class LineReaderTests
{
    private static List<string> ReadAll(string text, int bufferSize = 8)
    {
        var reader = new LineReader(new MemoryStream(Encoding.UTF8.GetBytes(text)), bufferSize);
        var lines = new List<string>();
        while (reader.TryReadLine(out var line, out bool truncated, out _))
        {
            Assert.That(truncated, Is.False);
            lines.Add(Encoding.UTF8.GetString(line));
        }
        return lines;
    }

    [Test]
    public void Splits_lines_and_strips_crlf()
        => Assert.That(ReadAll("a\r\nbb\nccc\n"), Is.EqualTo(new[] { "a", "bb", "ccc" }));

    [Test]
    public void Last_line_without_newline_is_returned()
        => Assert.That(ReadAll("a\nlast"), Is.EqualTo(new[] { "a", "last" }));

    [Test]
    public void Blank_lines_are_returned_empty()
        => Assert.That(ReadAll("a\n\nb\n"), Is.EqualTo(new[] { "a", "", "b" }));

    [Test]
    public void Lines_longer_than_the_buffer_grow_it()
    {
        string longLine = new('x', 10_000);
        Assert.That(ReadAll($"a\n{longLine}\nb", bufferSize: 16), Is.EqualTo(new[] { "a", longLine, "b" }));
    }

    [Test]
    public void Line_numbers_count_every_line()
    {
        var reader = new LineReader(new MemoryStream("x\n\ny\n"u8.ToArray()), 4);
        var numbers = new List<long>();
        while (reader.TryReadLine(out _, out _, out _))
        {
            numbers.Add(reader.LineNumber);
        }
        Assert.That(numbers, Is.EqualTo(new long[] { 1, 2, 3 }));
    }

    [Test]
    public void Empty_input_has_no_lines()
        => Assert.That(ReadAll(""), Is.Empty);

    [Test]
    public void Byte_order_mark_at_the_start_is_skipped_and_kept_elsewhere()
    {
        Assert.That(ReadAll("\uFEFFa\n\uFEFFb\n", bufferSize: 4), Is.EqualTo(new[] { "a", "\uFEFFb" }));
        Assert.That(ReadAll("\uFEFF"), Is.EqualTo(new[] { "" }).Or.Empty, "a file of only a BOM holds no record");
    }

    [Test]
    public void Line_beyond_the_hard_limit_reports_its_exact_length_and_keeps_its_first_bytes()
    {
        // 200 MB written to a file in pieces (not held in memory), between two short lines.
        const long longLength = 200L * 1000 * 1000 + 123;
        string path = Path.Combine(Path.GetTempPath(), "attribution-longline-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                file.Write("first\n"u8);
                byte[] chunk = new byte[1 << 20];
                for (int i = 0; i < chunk.Length; i++)
                {
                    chunk[i] = (byte)('a' + i % 26);
                }
                for (long left = longLength; left > 0; left -= chunk.Length)
                {
                    file.Write(chunk, 0, (int)Math.Min(left, chunk.Length));
                }
                file.Write("\r\nlast"u8);
            }
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            var reader = new LineReader(stream);
            Assert.That(reader.TryReadLine(out var first, out bool cut1, out long length1), Is.True);
            Assert.That((Encoding.UTF8.GetString(first), cut1, length1), Is.EqualTo(("first", false, 5L)));

            Assert.That(reader.TryReadLine(out var longLine, out bool cut, out long length), Is.True);
            Assert.That(cut, Is.True);
            Assert.That(length, Is.EqualTo(longLength), "the line's own length, without its \\r\\n");
            Assert.That(longLine.Length, Is.EqualTo(LineReader.KeptPrefix));
            for (int i = 0; i < longLine.Length; i++)
            {
                if (longLine[i] != (byte)('a' + i % 26))
                {
                    Assert.Fail($"kept byte {i} is not the line's");
                }
            }

            Assert.That(reader.TryReadLine(out var last, out bool cut3, out _), Is.True);
            Assert.That((Encoding.UTF8.GetString(last), cut3, reader.LineNumber), Is.EqualTo(("last", false, 3L)));
            Assert.That(reader.TryReadLine(out _, out _, out _), Is.False);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
