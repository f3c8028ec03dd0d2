using System.Runtime.CompilerServices;
using Attribution.Engine.Ring;

namespace Attribution.Tests.Engine.Ring;

/// <summary>The ring's memory is faulted in when it is created, so the first lap of events pays no page faults.</summary>
public class RingPrefaultTests
{
    private const int Slots = 16384;
    private const int PageBytes = 4096;

    [Test]
    public void First_lap_of_writes_to_a_new_ring_takes_almost_no_page_faults()
    {
        var ring = new RingBuffer<KilobyteSlot>(Slots);
        long before = MinorFaultsOfThisThread();
        for (long seq = 0; seq < Slots; seq++)
        {
            ring[seq][0] = 1;
        }
        long faults = MinorFaultsOfThisThread() - before;
        int pages = Slots * Unsafe.SizeOf<KilobyteSlot>() / PageBytes;
        // Without the touch at creation every page of fresh memory faults here: about `pages` faults.
        Assert.That(faults, Is.LessThan(pages / 8), $"minor page faults while writing {pages} pages of slots for the first time");
    }

    // Field 10 of /proc/thread-self/stat (minflt): counted after the ')' that ends the thread name.
    private static long MinorFaultsOfThisThread()
    {
        string stat = File.ReadAllText("/proc/thread-self/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[7], System.Globalization.CultureInfo.InvariantCulture);
    }

    [InlineArray(1024)]
    private struct KilobyteSlot
    {
        private byte _first;
    }
}
