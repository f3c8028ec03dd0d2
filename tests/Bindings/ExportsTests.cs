using System.Text;
using Attribution.Native;

namespace Attribution.Tests.Bindings;

/// <summary>
/// The exported functions called in-process through unmanaged function pointers (the same
/// transition C makes), under the JIT: a round trip, and the per-event allocation check.
/// The C and Python suites run the NativeAOT build of the same code.
/// </summary>
public unsafe class ExportsTests
{
    private static readonly delegate* unmanaged<byte*, nuint, nint*, int> s_open = &LifecycleExports.Open;
    private static readonly delegate* unmanaged<nint, int> s_close = &LifecycleExports.Close;
    private static readonly delegate* unmanaged<nint, byte*> s_lastError = &LifecycleExports.LastErrorMessage;
    private static readonly delegate* unmanaged<nint, byte*, nuint, int, long, int*, int> s_submit = &SubmitExports.Submit;
    private static readonly delegate* unmanaged<nint, byte*, nuint, long, BatchResult*, int> s_batch = &SubmitExports.SubmitBatch;
    private static readonly delegate* unmanaged<nint, byte*, nuint, nuint*, nuint*, int> s_poll = &QueryExports.Poll;
    private static readonly delegate* unmanaged<nint, long, int> s_flush = &QueryExports.Flush;
    private static readonly delegate* unmanaged<nint, CountersV1*, nuint, int> s_counters = &QueryExports.Counters;
    private static readonly delegate* unmanaged<nint, byte*, nuint, byte*, nuint, byte*, nuint, nuint*, int> s_lastClick = &QueryExports.LastClick;

    private static nint Open(string config)
    {
        byte[] json = Encoding.UTF8.GetBytes(config);
        nint handle;
        fixed (byte* p = json)
        {
            Assert.That(s_open(p, (nuint)json.Length, &handle), Is.Zero, LastErrorText());
        }
        return handle;
    }

    private static string LastErrorText() => Encoding.UTF8.GetString(System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpanFromNullTerminated(s_lastError(0)));

    private static int Submit(nint engine, byte[] record, out int reason)
    {
        int r;
        int status;
        fixed (byte* p = record)
        {
            status = s_submit(engine, p, (nuint)record.Length, 0, 1, &r);
        }
        reason = r;
        return status;
    }

    private static byte[] Click(int user, int id, long ts) => Encoding.UTF8.GetBytes(
        $"{{\"event_type\":\"click\",\"event_id\":\"c{id}\",\"user_id\":\"u{user}\",\"campaign_id\":\"k\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":{ts}}}");

    private static byte[] Conversion(int user, int id, long ts) => Encoding.UTF8.GetBytes(
        $"{{\"event_type\":\"conversion\",\"event_id\":\"v{id}\",\"user_id\":\"u{user}\",\"campaign_id\":\"k\",\"value\":1.50,\"timestamp\":{ts}}}");

    [Test]
    public void Click_and_conversion_round_trip_through_the_exports()
    {
        nint e = Open("{\"shards\":2}");
        try
        {
            Assert.That(Submit(e, Click(1, 1, 1000), out _), Is.Zero);
            Assert.That(Submit(e, Conversion(1, 1, 2000), out _), Is.Zero);
            Assert.That(Submit(e, "{"u8.ToArray(), out int reason), Is.EqualTo((int)AttrStatus.Rejected));
            Assert.That(reason, Is.EqualTo(1));
            Assert.That(LastErrorText(), Does.Contain("invalid_json"));
            Assert.That(s_flush(e, 0), Is.Zero);

            var buf = new byte[1024];
            nuint written, needed;
            fixed (byte* p = buf)
            {
                Assert.That(s_poll(e, p, (nuint)buf.Length, &written, &needed), Is.Zero);
            }
            string line = Encoding.UTF8.GetString(buf, 0, (int)written);
            Assert.That(line, Does.StartWith("{\"event_type\":\"attributed_conversion\",\"conversion_id\":\"v1\",\"click_id\":\"c1\""));
            Assert.That(line, Does.Contain("\"value\":1.50,"));
            Assert.That(line, Does.EndWith("}\n"));

            fixed (byte* u = "u1"u8, k = "k"u8, p = buf)
            {
                Assert.That(s_lastClick(e, u, 2, k, 1, p, (nuint)buf.Length, &written), Is.Zero);
            }
            Assert.That(Encoding.UTF8.GetString(buf, 0, (int)written),
                Is.EqualTo("{\"click_id\":\"c1\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":1000}"));

            CountersV1 c;
            Assert.That(s_counters(e, &c, (nuint)sizeof(CountersV1)), Is.Zero);
            Assert.That((c.Events, c.Attributed, c.Rejected, c.Size), Is.EqualTo((2UL, 1UL, 1UL, (uint)sizeof(CountersV1))));
        }
        finally
        {
            Assert.That(s_close(e), Is.Zero);
        }
        Assert.That(s_flush(e, 0), Is.EqualTo((int)AttrStatus.InvalidHandle));
    }

    [Test]
    public void Submit_batch_and_poll_allocate_nothing_per_event_on_the_calling_thread()
    {
        const int Users = 2000;
        const int Rounds = 6;
        // A rejection the decoder finds without an exception (invalid JSON costs one inside JsonEventReader, see the report).
        byte[] bad = "{\"event_type\":\"view\",\"event_id\":\"x\"}"u8.ToArray();
        nint e = Open("{\"shards\":1,\"wait\":\"yielding\"}");
        try
        {
            // Every round: a click and a conversion per user, event time moving on, so every conversion is attributed.
            var records = new byte[Rounds][][];
            for (int r = 0; r < Rounds; r++)
            {
                records[r] = new byte[2 * Users][];
                for (int u = 0; u < Users; u++)
                {
                    records[r][2 * u] = Click(u, r * Users + u, 1_000_000 + r * 10_000);
                    records[r][2 * u + 1] = Conversion(u, r * Users + u, 1_000_000 + r * 10_000 + 5);
                }
            }
            byte[] Ndjson(byte[][] round) => Encoding.UTF8.GetBytes(string.Join('\n', round.Select(Encoding.UTF8.GetString)));
            byte[] warmBatch = Ndjson(records[2]);
            byte[] batch = Ndjson(records[Rounds - 1]);
            var buf = new byte[1 << 20];
            long polled = 0;
            int failures = 0;

            // No NUnit asserts inside the measured part: constraints allocate.
            void RunRound(byte[][] round)
            {
                foreach (byte[] record in round)
                {
                    failures += Submit(e, record, out _) == 0 ? 0 : 1;
                }
                failures += Submit(e, bad, out _) == (int)AttrStatus.Rejected ? 0 : 1;
                polled += Drain(e, buf, ref failures);
            }

            // Warm-up: JIT tiers, first-call type loading, ring, queue chunks, error buffer.
            RunRound(records[0]);
            RunRound(records[1]);
            BatchResult result;
            fixed (byte* p = warmBatch)
            {
                failures += s_batch(e, p, (nuint)warmBatch.Length, 0, &result);
            }
            failures += s_flush(e, 0);
            polled += Drain(e, buf, ref failures);

            long before = AllocationGate.ThreadBytes();
            for (int r = 3; r < Rounds - 1; r++)
            {
                RunRound(records[r]);
            }
            fixed (byte* p = batch)
            {
                failures += s_batch(e, p, (nuint)batch.Length, 0, &result);
            }
            polled += Drain(e, buf, ref failures);
            long allocated = AllocationGate.ThreadBytes() - before;

            Assert.That(s_flush(e, 0), Is.Zero);
            polled += Drain(e, buf, ref failures);
            TestContext.Out.WriteLine($"{allocated} bytes allocated on the calling thread for {(Rounds - 3) * 2 * Users} submitted events");
            Assert.That(failures, Is.Zero, LastErrorText());
            Assert.That(result.Accepted, Is.EqualTo((ulong)(2 * Users)));
            Assert.That(polled, Is.EqualTo(Rounds * Users), "every conversion attributed and polled");
            AllocationGate.AssertNone(allocated, $"{(Rounds - 3) * 2 * Users} submitted events on the calling thread");
        }
        finally
        {
            s_close(e);
        }
    }

    private static long Drain(nint e, byte[] buf, ref int failures)
    {
        long lines = 0;
        while (true)
        {
            nuint written, needed;
            int status;
            fixed (byte* p = buf)
            {
                status = s_poll(e, p, (nuint)buf.Length, &written, &needed);
            }
            failures += status == 0 ? 0 : 1;
            lines += buf.AsSpan(0, (int)written).Count((byte)'\n');
            if (written == 0)
            {
                return lines;
            }
        }
    }
}
