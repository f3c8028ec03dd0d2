using System.Runtime.InteropServices;
using System.Text;
using Attribution.Native;

namespace Attribution.Tests.Reliability;

/// <summary>
/// The C ABI's exported functions, called in-process through unmanaged function pointers (the transition C makes),
/// with the small conveniences the reliability tests need. Nothing here checks results: callers do.
/// </summary>
internal static unsafe class NativeAbi
{
    public static readonly delegate* unmanaged<byte*, nuint, nint*, int> Open = &LifecycleExports.Open;
    public static readonly delegate* unmanaged<nint, int> Close = &LifecycleExports.Close;
    public static readonly delegate* unmanaged<nint, byte*> LastError = &LifecycleExports.LastErrorMessage;
    public static readonly delegate* unmanaged<nint, byte*, nuint, int, long, int*, int> Submit = &SubmitExports.Submit;
    public static readonly delegate* unmanaged<nint, byte*, nuint, long, BatchResult*, int> SubmitBatch = &SubmitExports.SubmitBatch;
    public static readonly delegate* unmanaged<nint, byte*, nuint, long, BatchResult*, int> SubmitBatchMessagePack = &SubmitExports.SubmitBatchMessagePack;
    public static readonly delegate* unmanaged<nint, byte*, nuint, nuint*, nuint*, int> Poll = &QueryExports.Poll;
    public static readonly delegate* unmanaged<nint, long, int> Flush = &QueryExports.Flush;
    public static readonly delegate* unmanaged<nint, CountersV1*, nuint, int> Counters = &QueryExports.Counters;
    public static readonly delegate* unmanaged<nint, byte*, nuint, byte*, nuint, byte*, nuint, nuint*, int> LastClick = &QueryExports.LastClick;

    /// <summary>The calling thread's last error message.</summary>
    public static string LastErrorText(nint engine = 0)
    {
        byte* message = LastError(engine);
        return message is null ? "" : Encoding.UTF8.GetString(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(message));
    }

    /// <summary>Opens an engine or fails the test with the library's message.</summary>
    public static nint OpenOrFail(string config)
    {
        byte[] json = Encoding.UTF8.GetBytes(config);
        nint handle;
        int status;
        fixed (byte* p = json)
        {
            status = Open(p, (nuint)json.Length, &handle);
        }
        Assert.That(status, Is.Zero, () => $"attr_open({config}): {LastErrorText()}");
        return handle;
    }

    /// <summary>attr_submit of one record; returns the status and the reject reason.</summary>
    public static int SubmitRecord(nint engine, byte[] record, bool messagePack, long position, out int reason)
    {
        int r;
        int status;
        fixed (byte* p = record)
        {
            status = Submit(engine, p, (nuint)record.Length, messagePack ? 1 : 0, position, &r);
        }
        reason = r;
        return status;
    }

    /// <summary>Polls until the queue is empty; returns the output lines.</summary>
    public static List<string> Drain(nint engine)
    {
        var lines = new List<string>();
        var buf = new byte[1 << 16];
        while (true)
        {
            nuint written, needed;
            int status;
            fixed (byte* p = buf)
            {
                status = Poll(engine, p, (nuint)buf.Length, &written, &needed);
            }
            Assert.That(status, Is.Zero, () => $"attr_poll: {LastErrorText()}");
            if (written == 0)
            {
                return lines;
            }
            lines.AddRange(Encoding.UTF8.GetString(buf, 0, (int)written).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
    }

    /// <summary>The engine's counters.</summary>
    public static CountersV1 ReadCounters(nint engine)
    {
        CountersV1 c;
        Assert.That(Counters(engine, &c, (nuint)sizeof(CountersV1)), Is.Zero, () => LastErrorText());
        return c;
    }
}
