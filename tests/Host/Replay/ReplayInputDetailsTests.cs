using System.Text;
using System.Text.Json;

namespace Attribution.Tests.Host.Replay;

/// <summary>
/// <c>attribution replay</c> over input details: a byte order mark, whitespace-only lines, a huge line of NULs, and dead
/// letters that name the offending field.
/// </summary>
[Category(TestCategories.Slow)]
public class ReplayInputDetailsTests
{
    private const string Click = "{\"event_type\":\"click\",\"event_id\":\"c-1\",\"user_id\":\"u\",\"campaign_id\":\"k\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":1000}";
    private const string Conversion = "{\"event_type\":\"conversion\",\"event_id\":\"v-1\",\"user_id\":\"u\",\"campaign_id\":\"k\",\"timestamp\":2000}";
    private string _dir = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "attribution-input-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private (int Exit, string Stderr, string[] Output, string[] DeadLetters) Replay(string input)
    {
        string output = Path.Combine(_dir, "out.jsonl"), bad = Path.Combine(_dir, "bad.jsonl");
        var (exit, _, stderr) = ReplayCommandTests.RunCli("", "replay", "--input", input, "--output", output, "--dead-letter", bad, "--shards", "1");
        return (exit, stderr, File.Exists(output) ? File.ReadAllLines(output) : [], File.Exists(bad) ? File.ReadAllLines(bad) : []);
    }

    [Test]
    public void Byte_order_mark_before_the_first_event_is_skipped_not_dead_lettered()
    {
        string input = Path.Combine(_dir, "in.jsonl");
        File.WriteAllText(input, Click + "\n" + Conversion + "\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        Assert.That(File.ReadAllBytes(input)[..3], Is.EqualTo(new byte[] { 0xEF, 0xBB, 0xBF }));
        var (exit, stderr, output, deadLetters) = Replay(input);
        Assert.That(exit, Is.Zero, stderr);
        Assert.That(deadLetters, Is.Empty);
        Assert.That(output, Has.Length.EqualTo(1), "the first line's click is attributed");
    }

    [Test]
    public void Whitespace_only_lines_are_counted_as_blank_not_invalid_json()
    {
        string input = Path.Combine(_dir, "in.jsonl");
        File.WriteAllText(input, Click + "\n   \n\t\n \t \r\n\n" + Conversion + "\n");
        var (exit, stderr, output, deadLetters) = Replay(input);
        Assert.That(exit, Is.Zero, stderr);
        Assert.That(deadLetters, Is.Empty);
        Assert.That(output, Has.Length.EqualTo(1));
        Assert.That(stderr, Does.Match(@"blank lines skipped\s+4\b"));
        Assert.That(stderr, Does.Not.Contain("invalid_json"));
    }

    [Test]
    public void Dead_letter_of_a_huge_line_of_nuls_is_bounded_and_states_the_length()
    {
        // 63 MiB of NULs (under the reader's 64 MiB limit, so the whole line reaches the decoder), written in pieces.
        const int nuls = 63 * 1024 * 1024;
        string input = Path.Combine(_dir, "in.jsonl");
        using (var file = new FileStream(input, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
        {
            file.Write(Encoding.UTF8.GetBytes(Click + "\n"));
            byte[] chunk = new byte[1 << 20];
            for (int left = nuls; left > 0; left -= chunk.Length)
            {
                file.Write(chunk, 0, Math.Min(left, chunk.Length));
            }
            file.Write(Encoding.UTF8.GetBytes("\n" + Conversion + "\n"));
        }
        var (exit, stderr, output, deadLetters) = Replay(input);
        Assert.That(exit, Is.Zero, stderr);
        Assert.That(output, Has.Length.EqualTo(1), "the lines around it are processed");
        Assert.That(deadLetters, Has.Length.EqualTo(1));
        long size = new FileInfo(Path.Combine(_dir, "bad.jsonl")).Length;
        TestContext.Out.WriteLine($"dead letter of a {nuls:N0}-byte line: {size:N0} bytes");
        Assert.That(size, Is.LessThan(1L << 20), "bounded: at most 512 KiB of the record, base64");
        using var letter = JsonDocument.Parse(deadLetters[0]);
        var root = letter.RootElement;
        Assert.That(root.GetProperty("line").GetInt64(), Is.EqualTo(2));
        Assert.That(root.GetProperty("reason").GetString(), Is.EqualTo("oversized"));
        Assert.That(root.GetProperty("truncated").GetBoolean(), Is.True);
        Assert.That(root.GetProperty("record_bytes").GetInt64(), Is.EqualTo(nuls));
        byte[] kept = Convert.FromBase64String(root.GetProperty("record_base64").GetString()!);
        Assert.That(kept, Has.Length.EqualTo(512 * 1024));
        Assert.That(kept.All(b => b == 0), Is.True, "the kept bytes are the record's, faithfully");
    }

    [Test]
    public void Dead_letters_name_the_offending_field()
    {
        string input = Path.Combine(_dir, "in.jsonl");
        File.WriteAllLines(input,
        [
            Click.Replace("1000", "\"1000\""),
            Click.Replace("\"user_id\":\"u\",", ""),
            Click.Replace("\"k\"", "\"" + new string('k', 200) + "\""),
            Click.Replace("\"c-1\"", "\"\""),
            Click.Replace("\"source\":\"s\"", "\"source\":\"s\",\"source\":\"t\""),
            "{not json",
        ]);
        var (exit, stderr, _, deadLetters) = Replay(input);
        Assert.That(exit, Is.Zero, stderr);
        var letters = deadLetters.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var got = letters.Select(l => (l.GetProperty("reason").GetString(), l.TryGetProperty("field", out var f) ? f.GetString() : null)).ToList();
        Assert.That(got, Is.EqualTo(new (string?, string?)[]
        {
            ("wrong_type", "timestamp"), ("missing_field", "user_id"), ("field_too_long", "campaign_id"),
            ("empty_field", "event_id"), ("duplicate_field", "source"), ("invalid_json", null),
        }));
    }
}
