using System.Collections;
using System.Globalization;

namespace Attribution.Host.Observability;

/// <summary>
/// The state of one log line written as <c>words key=value key="quoted value" …</c>: the text form prints the line
/// as it is; the JSON form lists these pairs under <c>State</c>, so a log shipper can query the fields. The leading
/// words become <c>event</c>, words after the first pair <c>note</c>; whole numbers stay numbers. Parsed only when a formatter enumerates it.
/// </summary>
public sealed class LogFields : IReadOnlyList<KeyValuePair<string, object?>>
{
    /// <summary>Formats the state as its line (the <c>formatter</c> argument of <c>ILogger.Log</c>).</summary>
    public static readonly Func<LogFields, Exception?, string> Format = (fields, _) => fields.Message;

    private List<KeyValuePair<string, object?>>? _pairs;

    /// <summary>The state of <paramref name="message"/>.</summary>
    public LogFields(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Message = message;
    }

    /// <summary>The line as written.</summary>
    public string Message { get; }

    /// <inheritdoc/>
    public int Count => Pairs.Count;

    /// <inheritdoc/>
    public KeyValuePair<string, object?> this[int index] => Pairs[index];

    private List<KeyValuePair<string, object?>> Pairs => _pairs ??= Parse(Message);

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => Pairs.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public override string ToString() => Message;

    // Best effort, never throws: a quoted value runs to the next quote followed by a space or the end of the line
    // (reasons quoted from Kafka may hold quotes themselves).
    private static List<KeyValuePair<string, object?>> Parse(string line)
    {
        var pairs = new List<KeyValuePair<string, object?>>();
        var leading = new List<string>();
        var trailing = new List<string>();
        int i = 0;
        while (i < line.Length)
        {
            if (line[i] == ' ')
            {
                i++;
                continue;
            }
            int eq = KeyEnd(line, i);
            if (eq < 0)
            {
                int end = line.IndexOf(' ', i);
                end = end < 0 ? line.Length : end;
                (pairs.Count == 0 ? leading : trailing).Add(line[i..end]);
                i = end;
                continue;
            }
            string key = line[i..eq];
            int start = eq + 1;
            int stop;
            string value;
            if (start < line.Length && line[start] == '"')
            {
                stop = start + 1;
                while (stop < line.Length && !(line[stop] == '"' && (stop + 1 == line.Length || line[stop + 1] == ' ')))
                {
                    stop++;
                }
                value = line[(start + 1)..Math.Min(stop, line.Length)];
                stop = Math.Min(stop + 1, line.Length);
            }
            else
            {
                stop = line.IndexOf(' ', start);
                stop = stop < 0 ? line.Length : stop;
                value = line[start..stop];
            }
            // Whole numbers as numbers, so a log shipper can compare and sum them.
            pairs.Add(new(key, long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n) ? n : value));
            i = stop;
        }
        if (leading.Count > 0)
        {
            pairs.Insert(0, new("event", string.Join(' ', leading)));
        }
        if (trailing.Count > 0)
        {
            pairs.Add(new("note", string.Join(' ', trailing)));
        }
        return pairs;
    }

    // The index of the '=' ending a key (letters, digits, '_' or '.') that starts at i, or -1.
    private static int KeyEnd(string line, int i)
    {
        int j = i;
        while (j < line.Length && (char.IsAsciiLetterOrDigit(line[j]) || line[j] is '_' or '.'))
        {
            j++;
        }
        return j > i && j < line.Length && line[j] == '=' ? j : -1;
    }
}
