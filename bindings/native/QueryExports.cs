using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Attribution.Engine.Attribution;
using Attribution.Engine.Events;
using Attribution.Engine.Pipeline;
using Attribution.Engine.Snapshots;

namespace Attribution.Native;

/// <summary>C exports that read from an engine: poll, flush, counters, live queries, snapshots (attribution.h documents each).</summary>
public static unsafe class QueryExports
{
    private static readonly TimeSpan DefaultFlushTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan QueryTimeout = TimeSpan.FromMinutes(1);
    private static readonly JsonWriterOptions QueryJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary><c>int attr_poll(attr_engine*, uint8_t* buf, size_t cap, size_t* written, size_t* needed)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "attr_poll")]
    public static int Poll(nint engine, byte* buffer, nuint capacity, nuint* written, nuint* needed)
    {
        if (written is not null)
        {
            *written = 0;
        }
        if (needed is not null)
        {
            *needed = 0;
        }
        return Guard.Call(engine, new PollCall(buffer, capacity, written, needed));
    }

    /// <summary><c>int attr_flush(attr_engine*, int64_t timeout_ms)</c>: waits until everything submitted before is applied and its attributions are pollable.</summary>
    [UnmanagedCallersOnly(EntryPoint = "attr_flush")]
    public static int Flush(nint engine, long timeoutMs) => Guard.Call(engine, new FlushCall(timeoutMs));

    /// <summary>
    /// <c>int attr_snapshot(attr_engine*, const char* dir, size_t dir_len)</c>: writes a consistent
    /// snapshot into the engine's state directory (dir empty, or naming that directory) and waits until it is durable.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "attr_snapshot")]
    public static int Snapshot(nint engine, byte* directory, nuint length) => Guard.Call(engine, new SnapshotCall(directory, length));

    /// <summary><c>int attr_counters(attr_engine*, attr_counters* out, size_t struct_size)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "attr_counters")]
    public static int Counters(nint engine, CountersV1* counters, nuint structSize) => Guard.Call(engine, new CountersCall(counters, structSize));

    /// <summary>
    /// <c>int attr_last_click(attr_engine*, const char* user, size_t user_len, const char* campaign,
    /// size_t campaign_len, uint8_t* buf, size_t cap, size_t* written)</c>.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "attr_last_click")]
    public static int LastClick(nint engine, byte* user, nuint userLength, byte* campaign, nuint campaignLength, byte* buffer, nuint capacity, nuint* written)
    {
        if (written is not null)
        {
            *written = 0;
        }
        return Guard.Call(engine, new LastClickCall(user, userLength, campaign, campaignLength, buffer, capacity, written));
    }

    private readonly struct PollCall(byte* buffer, nuint capacity, nuint* written, nuint* needed) : IEngineCall
    {
        public int Run(NativeEngine e)
        {
            if (written is null)
            {
                return Guard.Null("written");
            }
            if (!Guard.TryOutput(buffer, capacity, "buf", out Span<byte> destination, out int status))
            {
                return status;
            }
            bool whole = e.Output.Poll(destination, out int copied, out long more);
            *written = (nuint)copied;
            if (needed is not null)
            {
                *needed = (nuint)more;
            }
            return whole ? 0 : LastError.Set(AttrStatus.BufferTooSmall,
                $"The next attribution needs {more} bytes, but the buffer holds {capacity}.");
        }
    }

    private readonly struct FlushCall(long timeoutMs) : IEngineCall
    {
        public int Run(NativeEngine e)
        {
            e.Flush(timeoutMs <= 0 ? DefaultFlushTimeout : TimeSpan.FromMilliseconds(Math.Min(timeoutMs, int.MaxValue)));
            return 0;
        }
    }

    private readonly struct SnapshotCall(byte* directory, nuint length) : IEngineCall
    {
        public int Run(NativeEngine e)
        {
            if (!Guard.TryInput(directory, length, "dir", out ReadOnlySpan<byte> dir, out int status))
            {
                return status;
            }
            if (e.Config.Engine.StateDirectory is null)
            {
                // A private temporary directory is deleted on close: a snapshot there could never be recovered.
                return LastError.Set(AttrStatus.Unsupported,
                    "This engine has no state directory: open the engine with a state_dir to take snapshots."u8);
            }
            if (!dir.IsEmpty && !NamesStateDirectory(dir, e.Engine.StateDirectory))
            {
                return LastError.Set(AttrStatus.InvalidArgument,
                    $"Snapshots are written into the engine's state_dir '{e.Engine.StateDirectory}': dir must be empty or name that directory.");
            }
            try
            {
                e.Snapshot();
            }
            catch (SnapshotFailedException ex)
            {
                return LastError.Set(AttrStatus.Error, ex.Message);
            }
            return 0;
        }
    }

    private readonly struct CountersCall(CountersV1* counters, nuint structSize) : IEngineCall
    {
        public int Run(NativeEngine e)
        {
            if (counters is null)
            {
                return Guard.Null("out");
            }
            if (structSize < 8 || structSize > Guard.MaxLength)
            {
                return LastError.Set(AttrStatus.InvalidArgument,
                    $"struct_size must be sizeof(attr_counters) (at least 8 bytes), but it is {structSize}.");
            }
            int size = (int)Math.Min((ulong)structSize, (ulong)sizeof(CountersV1));
            CountersV1 snapshot = Read(e);
            snapshot.Size = (uint)size;
            // Older callers pass a smaller struct: write only the prefix they know.
            new ReadOnlySpan<byte>(&snapshot, size).CopyTo(new Span<byte>(counters, size));
            return 0;
        }
    }

    private readonly struct LastClickCall(byte* user, nuint userLength, byte* campaign, nuint campaignLength, byte* buffer, nuint capacity, nuint* written) : IEngineCall
    {
        public int Run(NativeEngine e)
        {
            if (written is null)
            {
                return Guard.Null("written");
            }
            if (!Guard.TryInput(user, userLength, "user", out ReadOnlySpan<byte> userId, out int status)
                || !Guard.TryInput(campaign, campaignLength, "campaign", out ReadOnlySpan<byte> campaignId, out status)
                || !Guard.TryOutput(buffer, capacity, "buf", out Span<byte> destination, out status))
            {
                return status;
            }
            if (!ValidId(userId) || !ValidId(campaignId))
            {
                return LastError.Set(AttrStatus.InvalidArgument,
                    $"The user and campaign ids must be valid UTF-8 of 1 to {EventRecord.MaxIdBytes} bytes.");
            }
            if (e.FindLastClick(userId, campaignId, QueryTimeout) is not { } click)
            {
                return LastError.Set(AttrStatus.NotFound, "No live click of this user and campaign."u8);
            }
            var json = new ArrayBufferWriter<byte>(256);
            using (var writer = new Utf8JsonWriter(json, QueryJson))
            {
                writer.WriteStartObject();
                writer.WriteString("click_id"u8, click.ClickId.Span);
                writer.WriteString("ad_id"u8, click.AdId.Span);
                writer.WriteString("source"u8, click.Source.Span);
                writer.WriteNumber("timestamp"u8, click.Timestamp);
                writer.WriteEndObject();
            }
            if (json.WrittenCount > destination.Length)
            {
                *written = (nuint)json.WrittenCount;
                return LastError.Set(AttrStatus.BufferTooSmall,
                    $"The click needs {json.WrittenCount} bytes, but the buffer holds {capacity} (*written holds the size needed).");
            }
            json.WrittenSpan.CopyTo(destination);
            *written = (nuint)json.WrittenCount;
            return 0;
        }
    }

    // Compares full paths, ignoring a trailing separator ("/data/state/" names "/data/state").
    private static bool NamesStateDirectory(ReadOnlySpan<byte> dir, string stateDirectory)
    {
        if (!Utf8.IsValid(dir) || dir.Contains((byte)0))
        {
            return false;
        }
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(Encoding.UTF8.GetString(dir)));
        return string.Equals(full, Path.TrimEndingDirectorySeparator(Path.GetFullPath(stateDirectory)), StringComparison.Ordinal);
    }

    private static bool ValidId(ReadOnlySpan<byte> id) => !id.IsEmpty && id.Length <= EventRecord.MaxIdBytes && Utf8.IsValid(id);

    private static CountersV1 Read(NativeEngine e)
    {
        AttributionCounters c = e.Engine.GetCounters();
        var v = new CountersV1
        {
            Version = CountersV1.CurrentVersion,
            Events = (ulong)c.Events,
            Clicks = (ulong)c.Clicks,
            Conversions = (ulong)c.Conversions,
            Attributed = (ulong)c.Outcome(AttributionOutcome.Attributed),
            Rejected = (ulong)c.Rejected,
            Faults = (ulong)e.Engine.FaultCount,
            OutputRecords = (ulong)e.Output.DeliveredRecords,
            OutputPendingBytes = (ulong)e.Output.PendingBytes,
        };
        for (int i = 0; i < Math.Min(c.Outcomes.Length, CountersV1.ArrayLength); i++)
        {
            v.Outcomes[i] = (ulong)c.Outcomes[i];
        }
        for (int i = 0; i < Math.Min(c.Rejections.Length, CountersV1.ArrayLength); i++)
        {
            v.Rejections[i] = (ulong)c.Rejections[i];
        }
        return v;
    }
}
