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
}
