using System.Buffers.Text;

namespace Attribution.Bench.Snapshot;

/// <summary>
/// Upstream-shaped click JSON lines with a distinct user per index, written into one reused
/// buffer (fixed-width digit slots), so feeding 10M clicks costs no garbage.
/// </summary>
internal sealed class ClickLines
{
    private static readonly byte[] Template =
        """{"event_type":"click","event_id":"c-0000000000000000","user_id":"user-000000000000000000000000000000","campaign_id":"camp-00000","ad_id":"ad-00000","source":"facebook","timestamp":1678886400000}"""u8.ToArray();

    private readonly byte[] _line = (byte[])Template.Clone();
    private readonly int _eventId = Slot("c-", 16);
    private readonly int _user = Slot("user-", 30);
    private readonly int _campaign = Slot("camp-", 5);
    private readonly int _ad = Slot("ad-", 5);
    private readonly int _timestamp = Slot("\"timestamp\":", 13);

    /// <summary>The line of click <paramref name="i"/>; valid until the next call.</summary>
    public ReadOnlySpan<byte> Get(long i)
    {
        Write(_eventId, 16, i);
        Write(_user, 30, i * 2_654_435_761L % 1_000_000_000_000_000L);
        Write(_campaign, 5, i % 100);
        Write(_ad, 5, i % 1000);
        // Ten clicks per ms of event time: 10M clicks span under 3 h, well inside the 24 h window.
        Write(_timestamp, 13, 1_678_886_400_000L + i / 10);
        return _line;
    }

    private void Write(int at, int width, long value)
    {
        Span<byte> slot = _line.AsSpan(at, width);
        slot.Fill((byte)'0');
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(value, digits, out int n);
        digits[..n].CopyTo(slot[(width - n)..]);
    }

    private static int Slot(string before, int width)
    {
        int at = Template.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(before)) + before.Length;
        return at + width <= Template.Length ? at : throw new InvalidOperationException($"No {width}-digit slot after '{before}'.");
    }
}
