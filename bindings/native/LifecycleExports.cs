using System.Runtime.InteropServices;
using Attribution.Engine.Events;
using Attribution.Engine.Snapshots;

namespace Attribution.Native;

/// <summary>C exports: version, open, close, errors and names (attribution.h documents each).</summary>
public static unsafe class LifecycleExports
{
    /// <summary>The library version (semantic versioning of the C ABI).</summary>
    public const string VersionText = ProductVersion.Text;

    // attr_version()'s bytes: NUL-terminated UTF-8 on the pinned object heap.
    private static readonly byte[] VersionUtf8 = NulTerminated(VersionText);

    private static byte[] NulTerminated(string text)
    {
        byte[] bytes = GC.AllocateArray<byte>(System.Text.Encoding.UTF8.GetByteCount(text) + 1, pinned: true);
        System.Text.Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }

    /// <summary><c>const char* attr_version(void)</c>: static NUL-terminated UTF-8.</summary>
    [UnmanagedCallersOnly(EntryPoint = "attr_version")]
    public static byte* Version()
    {
        // Pinned and held by a static field: its address is fixed for the process's life.
        fixed (byte* p = VersionUtf8)
        {
            return p;
        }
    }

    /// <summary><c>int attr_open(const char* config_json, size_t len, attr_engine** out)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "attr_open")]
    public static int Open(byte* configJson, nuint length, nint* engineOut)
    {
        try
        {
            if (engineOut is null)
            {
                return Guard.Null("out");
            }
            *engineOut = 0;
            if (!Guard.TryInput(configJson, length, "config_json", out ReadOnlySpan<byte> json, out int status))
            {
                return status;
            }
            NativeConfig? config = NativeConfig.Parse(json, out string? problem);
            if (config is null)
            {
                return LastError.Set(AttrStatus.InvalidConfig, problem!);
            }
            NativeEngine engine;
            try
            {
                engine = new NativeEngine(config);
            }
            catch (ArgumentException e)
            {
                return LastError.Set(AttrStatus.InvalidConfig, e.Message);
            }
            catch (StateDirectoryInUseException e)
            {
                // Nothing in the directory was changed; the message names the holder (pid, host, command, since when).
                return LastError.Set(AttrStatus.InUse, e.Message);
            }
            catch (SnapshotMismatchException e)
            {
                // The state directory's snapshot was taken with other settings: a configuration problem.
                return LastError.Set(AttrStatus.InvalidConfig, e.Message);
            }
            nint handle = EngineHandles.Add(engine);
            if (handle == 0)
            {
                engine.Close();
                return LastError.Set(AttrStatus.Error, $"Too many engines are open (at most {EngineHandles.Capacity}).");
            }
            *engineOut = handle;
            return 0;
        }
        catch (Exception e)
        {
            return Guard.Fail(e);
        }
    }

    /// <summary><c>int attr_close(attr_engine* engine)</c>: applies what was submitted, stops the shards, frees the engine.</summary>
    [UnmanagedCallersOnly(EntryPoint = "attr_close")]
    public static int Close(nint engine)
    {
        try
        {
            NativeEngine? e = EngineHandles.Remove(engine);
            if (e is null || !e.Close())
            {
                return Guard.InvalidHandle(engine);
            }
            return 0;
        }
        catch (Exception e)
        {
            return Guard.Fail(e);
        }
    }

    /// <summary><c>const char* attr_last_error(attr_engine* engine)</c>: the calling thread's last error message.</summary>
    [UnmanagedCallersOnly(EntryPoint = "attr_last_error")]
    public static byte* LastErrorMessage(nint engine)
    {
        _ = engine; // the message is per thread, whatever the handle (it may be NULL or invalid)
        try
        {
            return LastError.Pointer();
        }
        catch (Exception)
        {
            fixed (byte* p = "The error message is unavailable (out of memory).\0"u8)
            {
                return p;
            }
        }
    }

    /// <summary><c>const char* attr_status_name(int status)</c>: e.g. "ATTR_INVALID_HANDLE"; static.</summary>
    [UnmanagedCallersOnly(EntryPoint = "attr_status_name")]
    public static byte* StatusName(int status)
    {
        ReadOnlySpan<byte> name = (AttrStatus)status switch
        {
            AttrStatus.Ok => "ATTR_OK\0"u8,
            AttrStatus.Error => "ATTR_ERROR\0"u8,
            AttrStatus.InvalidArgument => "ATTR_INVALID_ARGUMENT\0"u8,
            AttrStatus.InvalidHandle => "ATTR_INVALID_HANDLE\0"u8,
            AttrStatus.InvalidConfig => "ATTR_INVALID_CONFIG\0"u8,
            AttrStatus.Rejected => "ATTR_REJECTED\0"u8,
            AttrStatus.BufferTooSmall => "ATTR_BUFFER_TOO_SMALL\0"u8,
            AttrStatus.NotFound => "ATTR_NOT_FOUND\0"u8,
            AttrStatus.Backpressure => "ATTR_BACKPRESSURE\0"u8,
            AttrStatus.Busy => "ATTR_BUSY\0"u8,
            AttrStatus.Timeout => "ATTR_TIMEOUT\0"u8,
            AttrStatus.Unsupported => "ATTR_UNSUPPORTED\0"u8,
            AttrStatus.InUse => "ATTR_IN_USE\0"u8,
            _ => "ATTR_UNKNOWN_STATUS\0"u8,
        };
        fixed (byte* p = name)
        {
            return p;
        }
    }

    /// <summary><c>const char* attr_reject_reason_name(int reason)</c>: e.g. "invalid_json"; static.</summary>
    [UnmanagedCallersOnly(EntryPoint = "attr_reject_reason_name")]
    public static byte* RejectReasonName(int reason)
    {
        try
        {
            byte[] name = (uint)reason < (uint)s_reasonNames.Length ? s_reasonNames[reason] : s_unknownReason;
            fixed (byte* p = name)
            {
                return p;
            }
        }
        catch (Exception)
        {
            // Only a failed type initialiser could land here; never let it cross the boundary.
            fixed (byte* p = "unknown\0"u8)
            {
                return p;
            }
        }
    }

    // The engine's names (one source of truth), NUL-terminated in pinned arrays so the pointers stay valid.
    private static readonly byte[][] s_reasonNames = BuildReasonNames();
    private static readonly byte[] s_unknownReason = Pinned("unknown");

    private static byte[][] BuildReasonNames()
    {
        var names = new byte[RejectReasons.Count][];
        for (int i = 0; i < names.Length; i++)
        {
            names[i] = Pinned(RejectReasons.Name((RejectReason)i));
        }
        return names;
    }

    private static byte[] Pinned(string text)
    {
        byte[] bytes = GC.AllocateArray<byte>(System.Text.Encoding.UTF8.GetByteCount(text) + 1, pinned: true);
        System.Text.Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }
}
