using System.Runtime.InteropServices;

namespace Attribution.Bench.Ring;

/// <summary>A 64-byte event: the size where hand-off cost dominates copying cost.</summary>
[StructLayout(LayoutKind.Sequential, Size = 64)]
internal struct SmallEvent
{
    public long Index;
    public long Stamp;
    public long Key;
    public long Value;
}

/// <summary>Writes index, stamp and two derived fields; reads them back.</summary>
internal readonly struct SmallEventPayload : IBenchPayload<SmallEvent>
{
    public static string Name => "64 B struct";

    public static void Fill(ref SmallEvent evt, long index, long stamp)
    {
        evt.Index = index;
        evt.Stamp = stamp;
        evt.Key = index & 63;
        evt.Value = index * 3;
    }

    public static long StampOf(ref SmallEvent evt) => evt.Stamp;

    public static long Touch(ref SmallEvent evt) => evt.Index + evt.Key;
}
