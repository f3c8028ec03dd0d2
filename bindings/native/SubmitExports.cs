using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Attribution.Engine.Events;
using Attribution.Engine.Pipeline;

namespace Attribution.Native;

/// <summary>C exports that feed records to an engine (attribution.h documents each).</summary>
public static unsafe class SubmitExports
{
    private const int LengthPrefixBytes = 4;

    /// <summary><c>int attr_submit(attr_engine*, const uint8_t* record, size_t len, int format, int64_t position, int* reject_reason)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "attr_submit")]
    public static int Submit(nint engine, byte* record, nuint length, int format, long position, int* rejectReason)
    {
        if (rejectReason is not null)
        {
            *rejectReason = 0;
        }
        return Guard.Call(engine, new SubmitCall(record, length, format, position, rejectReason));
    }

    /// <summary><c>int attr_submit_batch(attr_engine*, const uint8_t* ndjson, size_t len, int64_t first_position, attr_batch_result* out)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "attr_submit_batch")]
    public static int SubmitBatch(nint engine, byte* ndjson, nuint length, long firstPosition, BatchResult* result)
        => Batch(engine, ndjson, length, firstPosition, result, WireFormat.Json);

    /// <summary><c>int attr_submit_batch_msgpack(attr_engine*, const uint8_t* frames, size_t len, int64_t first_position, attr_batch_result* out)</c>.</summary>
    [UnmanagedCallersOnly(EntryPoint = "attr_submit_batch_msgpack")]
    public static int SubmitBatchMessagePack(nint engine, byte* frames, nuint length, long firstPosition, BatchResult* result)
        => Batch(engine, frames, length, firstPosition, result, WireFormat.MessagePack);

    private static int Batch(nint engine, byte* input, nuint length, long firstPosition, BatchResult* result, WireFormat format)
    {
        if (result is not null)
        {
            *result = new BatchResult { FirstRejected = -1 };
        }
        return Guard.Call(engine, new BatchCall(input, length, firstPosition, result, format));
    }

    private readonly struct SubmitCall(byte* record, nuint length, int format, long position, int* rejectReason) : IEngineCall
    {
        public int Run(NativeEngine e)
        {
            if (!Guard.TryInput(record, length, "record", out ReadOnlySpan<byte> span, out int status))
            {
                return status;
            }
            if ((uint)format > (uint)WireFormat.MessagePack)
            {
                return LastError.Set(AttrStatus.InvalidArgument, $"The format must be ATTR_FORMAT_JSON (0) or ATTR_FORMAT_MSGPACK (1), but it is {format}.");
            }
            if (e.Output.IsFull)
            {
                return Backpressure();
            }
            if (e.EnterSubmit() != AttrStatus.Ok)
            {
                return Busy();
            }
            RejectReason reason;
            try
            {
                reason = e.Engine.Submit(span, position, -1, (WireFormat)format);
            }
            finally
            {
                e.ExitSubmit();
            }
            if (reason == RejectReason.None)
            {
                return 0;
            }
            if (rejectReason is not null)
            {
                *rejectReason = (int)reason;
            }
            return LastError.Set(AttrStatus.Rejected, Guard.RejectMessage(reason));
        }
    }

    private readonly struct BatchCall(byte* input, nuint length, long firstPosition, BatchResult* result, WireFormat format) : IEngineCall
    {
        public int Run(NativeEngine e)
        {
            if (result is null)
            {
                return Guard.Null("out");
            }
            if (!Guard.TryInput(input, length, format == WireFormat.Json ? "ndjson" : "frames", out ReadOnlySpan<byte> span, out int status))
            {
                return status;
            }
            if (e.EnterSubmit() != AttrStatus.Ok)
            {
                return Busy();
            }
            try
            {
                return format == WireFormat.Json
                    ? SubmitLines(e, span, firstPosition, ref *result)
                    : SubmitFrames(e, span, firstPosition, ref *result);
            }
            finally
            {
                e.ExitSubmit();
            }
        }
    }

    private static int SubmitLines(NativeEngine e, ReadOnlySpan<byte> input, long firstPosition, ref BatchResult result)
    {
        AttributionEngine engine = e.Engine;
        int at = 0;
        long index = 0;
        while (at < input.Length)
        {
            ReadOnlySpan<byte> rest = input.Slice(at);
            int nl = rest.IndexOf((byte)'\n');
            int next = nl < 0 ? input.Length : at + nl + 1;
            ReadOnlySpan<byte> line = nl < 0 ? rest : rest.Slice(0, nl);
            if (!line.IsEmpty && line[^1] == (byte)'\r')
            {
                line = line.Slice(0, line.Length - 1);
            }
            if (line.IsEmpty)
            {
                result.Blank++;
            }
            else
            {
                // Checked per record: a caller that never polls is stopped here, with nothing lost.
                if (e.Output.IsFull)
                {
                    result.Consumed = (ulong)at;
                    return Backpressure();
                }
                Count(ref result, engine.Submit(line, firstPosition + index, -1, WireFormat.Json), index);
            }
            index++;
            at = next;
        }
        result.Consumed = (ulong)input.Length;
        return 0;
    }

    private static int SubmitFrames(NativeEngine e, ReadOnlySpan<byte> input, long firstPosition, ref BatchResult result)
    {
        AttributionEngine engine = e.Engine;
        int at = 0;
        long index = 0;
        while (at < input.Length)
        {
            int remaining = input.Length - at;
            uint size = remaining >= LengthPrefixBytes ? BinaryPrimitives.ReadUInt32LittleEndian(input.Slice(at)) : 0;
            if (remaining < LengthPrefixBytes || size > (uint)(remaining - LengthPrefixBytes))
            {
                result.Consumed = (ulong)at;
                string need = remaining < LengthPrefixBytes ? "a 4-byte length" : $"{size} bytes after its length";
                return LastError.Set(AttrStatus.InvalidArgument,
                    $"The MessagePack frame {index} at byte {at} is truncated: it needs {need}, but only {remaining} bytes remain.");
            }
            if (e.Output.IsFull)
            {
                result.Consumed = (ulong)at;
                return Backpressure();
            }
            Count(ref result, engine.Submit(input.Slice(at + LengthPrefixBytes, (int)size), firstPosition + index, -1, WireFormat.MessagePack), index);
            index++;
            at += LengthPrefixBytes + (int)size;
        }
        result.Consumed = (ulong)input.Length;
        return 0;
    }

    private static void Count(ref BatchResult result, RejectReason reason, long index)
    {
        if (reason == RejectReason.None)
        {
            result.Accepted++;
            return;
        }
        if (result.Rejected++ == 0)
        {
            result.FirstRejected = index;
            result.FirstRejectReason = (int)reason;
        }
    }

    private static int Backpressure() => LastError.Set(AttrStatus.Backpressure,
        "The output queue is full (output_buffer_bytes): poll attributions, then submit again; the record was not consumed."u8);

    private static int Busy() => LastError.Set(AttrStatus.Busy,
        "Another thread is submitting to this engine; open it with \"multi_producer\": true to submit from several threads at once."u8);
}
