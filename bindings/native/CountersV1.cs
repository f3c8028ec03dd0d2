using System.Runtime.InteropServices;

namespace Attribution.Native;

/// <summary>Mirror of <c>attr_counters</c> version 1 (attribution.h); layout is ABI, only ever extended at the end.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct CountersV1
{
    /// <summary>Version of this layout.</summary>
    public const uint CurrentVersion = 1;

    /// <summary>Entries of <see cref="Outcomes"/> and <see cref="Rejections"/> (room to add values without a new layout).</summary>
    public const int ArrayLength = 16;

    /// <summary>Layout version written by the library.</summary>
    public uint Version;
    /// <summary>Bytes the library wrote.</summary>
    public uint Size;
    /// <summary>Events applied (clicks + conversions).</summary>
    public ulong Events;
    /// <summary>Clicks applied.</summary>
    public ulong Clicks;
    /// <summary>Conversions applied.</summary>
    public ulong Conversions;
    /// <summary>Conversions attributed (outputs produced).</summary>
    public ulong Attributed;
    /// <summary>Records rejected by the decoder.</summary>
    public ulong Rejected;
    /// <summary>Events a shard failed to apply (an engine fault; the message is in the host's log).</summary>
    public ulong Faults;
    /// <summary>Attribution records delivered to the output queue.</summary>
    public ulong OutputRecords;
    /// <summary>Bytes waiting in the output queue.</summary>
    public ulong OutputPendingBytes;
    /// <summary>Events per outcome (attr_outcome values).</summary>
    public fixed ulong Outcomes[ArrayLength];
    /// <summary>Rejected records per reason (attr_reject_reason values).</summary>
    public fixed ulong Rejections[ArrayLength];
}
