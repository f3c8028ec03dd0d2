using System.Text;
using Attribution.Engine.Events;
using Attribution.Tests.Host.Replay;

namespace Attribution.Tests.Reliability;

/// <summary>One bad (or borderline) input record and the reason the decoder must give under default limits.</summary>
/// <param name="Name">File name in tests/Reliability/corpus/malformed (or a generated name).</param>
/// <param name="Bytes">The record.</param>
/// <param name="Expected">The reject reason, <see cref="RejectReason.None"/> for borderline records that are valid.</param>
/// <param name="What">What is wrong with it.</param>
public sealed record CorpusRecord(string Name, byte[] Bytes, RejectReason Expected, string What)
{
    /// <summary>A MessagePack record (else JSON).</summary>
    public bool IsMessagePack => Name.EndsWith(".msgpack", StringComparison.Ordinal);

    /// <summary>Whether the record can be one line of an NDJSON file: JSON, no newline byte, not blank (a blank line is not a record there).</summary>
    public bool FitsOnALine => !IsMessagePack && Array.IndexOf(Bytes, (byte)'\n') < 0 && Array.IndexOf(Bytes, (byte)'\r') < 0
        && Bytes.Any(b => b is not ((byte)' ' or (byte)'\t'));

    /// <summary>For assertion messages.</summary>
    public override string ToString() => $"{Name} ({What})";
}

/// <summary>
/// The committed corpus of malformed input (tests/Reliability/corpus/malformed.tsv and the files it lists, written by
/// corpus/make-corpus.py), plus the records too large to commit, generated here.
/// </summary>
public static class MalformedCorpus
{
    /// <summary>Size of the generated huge records.</summary>
    public const int HugeBytes = 10 * 1024 * 1024;

    /// <summary>The corpus directory in the repository.</summary>
    public static string Directory => Path.Combine(ReplayCommandTests.RepoRoot, "tests", "Reliability", "corpus");

    /// <summary>The committed records, in index order.</summary>
    public static IReadOnlyList<CorpusRecord> Committed()
    {
        var records = new List<CorpusRecord>();
        foreach (string line in File.ReadAllLines(Path.Combine(Directory, "malformed.tsv")))
        {
            if (line.StartsWith('#') || line.Length == 0)
            {
                continue;
            }
            string[] cells = line.Split('\t');
            Assert.That(cells, Has.Length.EqualTo(3), $"malformed.tsv: {line}");
            records.Add(new CorpusRecord(cells[0], File.ReadAllBytes(Path.Combine(Directory, "malformed", cells[0])), Reason(cells[1]), cells[2]));
        }
        Assert.That(records, Has.Count.GreaterThan(50), "the corpus index was read");
        return records;
    }

    /// <summary>The 10 MB records, made at test time rather than committed: one string of 10 MB in an id and one in an ignored field.</summary>
    public static IReadOnlyList<CorpusRecord> Generated() =>
    [
        new("generated-10mb-event-id.json", Json($"{{\"event_type\":\"click\",\"event_id\":\"{new string('e', HugeBytes)}\",\"user_id\":\"u-x\",\"campaign_id\":\"k\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":1}}"),
            RejectReason.Oversized, "a 10 MB event_id (record limit 64 KiB)"),
        new("generated-10mb-metadata.json", Json($"{{\"event_type\":\"click\",\"event_id\":\"c-x\",\"user_id\":\"u-x\",\"campaign_id\":\"k\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":1,\"metadata\":{{\"blob\":\"{new string('m', HugeBytes)}\"}}}}"),
            RejectReason.Oversized, "a 10 MB string in metadata (record limit 64 KiB)"),
    ];

    /// <summary>Committed and generated records.</summary>
    public static IReadOnlyList<CorpusRecord> All() => [.. Committed(), .. Generated()];

    /// <summary>The reason with this snake_case name.</summary>
    public static RejectReason Reason(string name)
    {
        for (int r = 0; r < RejectReasons.Count; r++)
        {
            if (RejectReasons.Name((RejectReason)r) == name)
            {
                return (RejectReason)r;
            }
        }
        throw new ArgumentException($"no reject reason is named '{name}'", nameof(name));
    }

    private static byte[] Json(string text) => Encoding.UTF8.GetBytes(text);
}
