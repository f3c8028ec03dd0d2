using System.Runtime.InteropServices;

namespace Attribution.Native;

/// <summary>Mirror of <c>attr_batch_result</c> (attribution.h); layout is ABI.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct BatchResult
{
    /// <summary>Records decoded and queued for the shards.</summary>
    public ulong Accepted;
    /// <summary>Records the decoder rejected (also counted by reason in the counters).</summary>
    public ulong Rejected;
    /// <summary>Empty lines skipped (NDJSON only).</summary>
    public ulong Blank;
    /// <summary>Input bytes consumed; less than the input only when the call stopped early.</summary>
    public ulong Consumed;
    /// <summary>Index in this call (line or frame, 0-based) of the first rejected record, -1 when none.</summary>
    public long FirstRejected;
    /// <summary>Reject reason of that record, 0 when none.</summary>
    public int FirstRejectReason;
    /// <summary>Zero (padding kept explicit for the C side).</summary>
    public int Reserved;
}
