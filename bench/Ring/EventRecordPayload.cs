using System.Runtime.CompilerServices;
using Attribution.Engine.Events;

namespace Attribution.Bench.Ring;

/// <summary>
/// The engine's real decoded event (~830 bytes): written as a decoder would (reset, scalars, one id
/// copied into the inline buffer). The ring writes it in its slot; queues copy the whole struct in and out.
/// </summary>
internal readonly struct EventRecordPayload : IBenchPayload<EventRecord>
{
    public static string Name => $"EventRecord ({Unsafe.SizeOf<EventRecord>()} B)";

    public static void Fill(ref EventRecord evt, long index, long stamp)
    {
        evt.Reset();
        evt.Kind = (index & 7) == 0 ? EventKind.Conversion : EventKind.Click;
        evt.Timestamp = 1_678_886_400_000 + index;
        evt.Partition = (int)(index & 63);
        evt.Position = index;
        evt.IngestTicks = stamp;
        evt.TrySet(ref evt.UserId, "user-123"u8, EventRecord.MaxIdBytes);
    }

    public static long StampOf(ref EventRecord evt) => evt.IngestTicks;

    public static long Touch(ref EventRecord evt) => evt.Position + evt.Partition + evt.UserId.Length;
}
