using System.Reflection;
using System.Runtime.InteropServices;

namespace Attribution.Host.Kafka;

/// <summary>
/// The few librdkafka functions the batch consumer and the native producer call (rdkafka.h of 2.16), bound as function
/// pointers to the very file Confluent.Kafka loaded, so the process holds one librdkafka and our handles are its handles.
/// </summary>
internal static unsafe class RdKafkaNative
{
    private static readonly Lock Gate = new();
    private static Exports? exports;

    /// <summary>rd_kafka_resp_err_t RD_KAFKA_RESP_ERR__PARTITION_EOF.</summary>
    public const int PartitionEof = -191;

    /// <summary>rd_kafka_resp_err_t RD_KAFKA_RESP_ERR__FATAL.</summary>
    public const int Fatal = -150;

    /// <summary>rd_kafka_resp_err_t RD_KAFKA_RESP_ERR__QUEUE_FULL.</summary>
    public const int QueueFull = -184;

    /// <summary>RD_KAFKA_MSG_F_COPY: librdkafka copies key, value and headers before produce returns.</summary>
    public const int MsgCopy = 0x2;

    /// <summary>The exports, bound on first use; throws <see cref="DllNotFoundException"/> with a sentence when they cannot be.</summary>
    public static Exports Bound
    {
        get
        {
            lock (Gate)
            {
                return exports ??= Bind();
            }
        }
    }

    /// <summary>
    /// The rd_kafka_t of a Confluent.Kafka client, which Confluent.Kafka keeps in Handle.LibrdkafkaHandle (internal):
    /// read by reflection, once per client. The caller holds a reference (DangerousAddRef) while it uses the handle.
    /// </summary>
    /// <exception cref="InvalidOperationException">This Confluent.Kafka version does not expose it.</exception>
    public static SafeHandle HandleOf(Confluent.Kafka.IClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        var property = typeof(Confluent.Kafka.Handle).GetProperty("LibrdkafkaHandle", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public);
        return property?.GetValue(client.Handle) as SafeHandle
            ?? throw new InvalidOperationException("This Confluent.Kafka version does not expose the client's librdkafka handle.");
    }

    private static Exports Bind()
    {
        int version = Confluent.Kafka.Library.Version; // makes Confluent.Kafka load its librdkafka first
        IntPtr library = Load();
        var e = new Exports(library);
        if (e.Version() != version)
        {
            throw new DllNotFoundException($"The librdkafka this process mapped is version 0x{e.Version():x8} but Confluent.Kafka runs 0x{version:x8}.");
        }
        return e;
    }

    // The file Confluent.Kafka mapped (per /proc/self/maps; dlopen of a mapped file returns its handle), else the
    // names Confluent.Kafka 2.16 tries, probed as its own assembly would.
    private static IntPtr Load()
    {
        if (OperatingSystem.IsLinux() && File.Exists("/proc/self/maps"))
        {
            foreach (string line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/', StringComparison.Ordinal);
                if (slash > 0 && line.Contains("librdkafka", StringComparison.Ordinal) && line.Contains(".so", StringComparison.Ordinal)
                    && NativeLibrary.TryLoad(line[slash..].Trim(), out IntPtr mapped))
                {
                    return mapped;
                }
            }
        }
        Assembly confluent = typeof(Confluent.Kafka.Library).Assembly;
        foreach (string name in new[] { "librdkafka", "centos8-librdkafka", "alpine-librdkafka" })
        {
            if (NativeLibrary.TryLoad(name, confluent, null, out IntPtr h))
            {
                return h;
            }
        }
        throw new DllNotFoundException("The librdkafka that Confluent.Kafka loaded could not be found for batch consumption.");
    }

    /// <summary>rd_kafka_message_t of rdkafka.h (the layout is part of librdkafka's public ABI).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Message
    {
        public int Err;
        public IntPtr Rkt;
        public int Partition;
        public byte* Payload;
        public nuint Len;
        public byte* Key;
        public nuint KeyLen;
        public long Offset;
        public IntPtr Private;
    }

    /// <summary>rd_kafka_vtype_t: what an <see cref="Vu"/> of rd_kafka_produceva carries.</summary>
    public enum VType
    {
        /// <summary>RD_KAFKA_VTYPE_RKT: a topic handle.</summary>
        Rkt = 2,
        /// <summary>RD_KAFKA_VTYPE_PARTITION (int32).</summary>
        Partition = 3,
        /// <summary>RD_KAFKA_VTYPE_VALUE (pointer, size).</summary>
        Value = 4,
        /// <summary>RD_KAFKA_VTYPE_KEY (pointer, size).</summary>
        Key = 5,
        /// <summary>RD_KAFKA_VTYPE_MSGFLAGS (int).</summary>
        MsgFlags = 7,
        /// <summary>RD_KAFKA_VTYPE_TIMESTAMP (int64 ms since the epoch; 0 = now).</summary>
        Timestamp = 8,
        /// <summary>RD_KAFKA_VTYPE_HEADER (name, value, size).</summary>
        Header = 9,
    }

    /// <summary>rd_kafka_vu_t of rdkafka.h: the type, then a union padded to 64 bytes at offset 8.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 72)]
    public struct Vu
    {
        [FieldOffset(0)] public VType Type;
        [FieldOffset(8)] public long I64; // also i32 (little-endian), a pointer, or a header's name
        [FieldOffset(16)] public nint Second; // mem.size, or a header's value pointer
        [FieldOffset(24)] public nint Third; // a header's size

        /// <summary>An element carrying a pointer and a size (key, value).</summary>
        public static Vu Memory(VType type, byte* pointer, int size) => new() { Type = type, I64 = (long)pointer, Second = size };

        /// <summary>An element carrying an integer (partition, flags, timestamp).</summary>
        public static Vu Number(VType type, long value) => new() { Type = type, I64 = value };

        /// <summary>A header element: NUL-terminated name, value, value size.</summary>
        public static Vu HeaderOf(byte* name, byte* value, int size) => new() { Type = VType.Header, I64 = (long)name, Second = (nint)value, Third = size };
    }

    /// <summary>The function pointers.</summary>
    public sealed class Exports(IntPtr library)
    {
        private readonly delegate* unmanaged[Cdecl]<int> _version = (delegate* unmanaged[Cdecl]<int>)Get(library, "rd_kafka_version");
        private readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr> _queueGetConsumer = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr>)Get(library, "rd_kafka_queue_get_consumer");
        private readonly delegate* unmanaged[Cdecl]<IntPtr, void> _queueDestroy = (delegate* unmanaged[Cdecl]<IntPtr, void>)Get(library, "rd_kafka_queue_destroy");
        private readonly delegate* unmanaged[Cdecl]<IntPtr, int, Message**, nuint, nint> _consumeBatchQueue =
            (delegate* unmanaged[Cdecl]<IntPtr, int, Message**, nuint, nint>)Get(library, "rd_kafka_consume_batch_queue");
        private readonly delegate* unmanaged[Cdecl]<Message*, void> _messageDestroy = (delegate* unmanaged[Cdecl]<Message*, void>)Get(library, "rd_kafka_message_destroy");
        private readonly delegate* unmanaged[Cdecl]<Message*, int*, long> _messageTimestamp = (delegate* unmanaged[Cdecl]<Message*, int*, long>)Get(library, "rd_kafka_message_timestamp");
        private readonly delegate* unmanaged[Cdecl]<IntPtr, byte*> _topicName = (delegate* unmanaged[Cdecl]<IntPtr, byte*>)Get(library, "rd_kafka_topic_name");
        private readonly delegate* unmanaged[Cdecl]<int, byte*> _err2str = (delegate* unmanaged[Cdecl]<int, byte*>)Get(library, "rd_kafka_err2str");
        private readonly delegate* unmanaged[Cdecl]<Message*, IntPtr*, int> _messageHeaders = (delegate* unmanaged[Cdecl]<Message*, IntPtr*, int>)Get(library, "rd_kafka_message_headers");
        private readonly delegate* unmanaged[Cdecl]<IntPtr, byte*, byte**, nuint*, int> _headerGetLast =
            (delegate* unmanaged[Cdecl]<IntPtr, byte*, byte**, nuint*, int>)Get(library, "rd_kafka_header_get_last");
        private readonly delegate* unmanaged[Cdecl]<IntPtr, byte*, nuint, int> _fatalError = (delegate* unmanaged[Cdecl]<IntPtr, byte*, nuint, int>)Get(library, "rd_kafka_fatal_error");

        private readonly delegate* unmanaged[Cdecl]<IntPtr, Vu*, nuint, IntPtr> _produceva = (delegate* unmanaged[Cdecl]<IntPtr, Vu*, nuint, IntPtr>)Get(library, "rd_kafka_produceva");
        private readonly delegate* unmanaged[Cdecl]<IntPtr, int> _errorCode = (delegate* unmanaged[Cdecl]<IntPtr, int>)Get(library, "rd_kafka_error_code");
        private readonly delegate* unmanaged[Cdecl]<IntPtr, byte*> _errorString = (delegate* unmanaged[Cdecl]<IntPtr, byte*>)Get(library, "rd_kafka_error_string");
        private readonly delegate* unmanaged[Cdecl]<IntPtr, int> _errorIsFatal = (delegate* unmanaged[Cdecl]<IntPtr, int>)Get(library, "rd_kafka_error_is_fatal");
        private readonly delegate* unmanaged[Cdecl]<IntPtr, void> _errorDestroy = (delegate* unmanaged[Cdecl]<IntPtr, void>)Get(library, "rd_kafka_error_destroy");
        private readonly delegate* unmanaged[Cdecl]<IntPtr, byte*, IntPtr, IntPtr> _topicNew = (delegate* unmanaged[Cdecl]<IntPtr, byte*, IntPtr, IntPtr>)Get(library, "rd_kafka_topic_new");
        private readonly delegate* unmanaged[Cdecl]<IntPtr, void> _topicDestroy = (delegate* unmanaged[Cdecl]<IntPtr, void>)Get(library, "rd_kafka_topic_destroy");
        private readonly delegate* unmanaged[Cdecl]<int> _lastError = (delegate* unmanaged[Cdecl]<int>)Get(library, "rd_kafka_last_error");
        private readonly delegate* unmanaged[Cdecl]<IntPtr, int> _outqLen = (delegate* unmanaged[Cdecl]<IntPtr, int>)Get(library, "rd_kafka_outq_len");
        private readonly delegate* unmanaged[Cdecl]<IntPtr, int, int> _flush = (delegate* unmanaged[Cdecl]<IntPtr, int, int>)Get(library, "rd_kafka_flush");

        private static IntPtr Get(IntPtr library, string name) => NativeLibrary.TryGetExport(library, name, out IntPtr f) ? f
            : throw new DllNotFoundException($"The librdkafka Confluent.Kafka loaded does not export {name}.");

        /// <summary>rd_kafka_version.</summary>
        public int Version() => _version();

        /// <summary>rd_kafka_queue_get_consumer: the group consumer's queue (a reference to release with <see cref="QueueDestroy"/>).</summary>
        public IntPtr QueueGetConsumer(IntPtr rk) => _queueGetConsumer(rk);

        /// <summary>rd_kafka_queue_destroy.</summary>
        public void QueueDestroy(IntPtr queue) => _queueDestroy(queue);

        /// <summary>rd_kafka_consume_batch_queue: up to <paramref name="size"/> messages (rebalance and error callbacks served meanwhile).</summary>
        public nint ConsumeBatchQueue(IntPtr queue, int timeoutMs, Message** messages, int size) => _consumeBatchQueue(queue, timeoutMs, messages, (nuint)size);

        /// <summary>rd_kafka_message_destroy.</summary>
        public void MessageDestroy(Message* message) => _messageDestroy(message);

        /// <summary>rd_kafka_message_timestamp (ms since the epoch, -1 when the record has none).</summary>
        public long MessageTimestamp(Message* message)
        {
            int type;
            return _messageTimestamp(message, &type);
        }

        /// <summary>rd_kafka_topic_name.</summary>
        public string TopicName(IntPtr rkt) => Marshal.PtrToStringUTF8((IntPtr)_topicName(rkt)) ?? "";

        /// <summary>rd_kafka_err2str.</summary>
        public string ErrorText(int err) => Marshal.PtrToStringUTF8((IntPtr)_err2str(err)) ?? $"error {err}";

        /// <summary>rd_kafka_fatal_error: the reason of the client's fatal error, or null when it has none.</summary>
        public string? FatalError(IntPtr rk) => FatalError(rk, out _);

        /// <summary>rd_kafka_fatal_error: the reason and original <paramref name="code"/> of the client's fatal error, or null when it has none.</summary>
        public string? FatalError(IntPtr rk, out int code)
        {
            byte* buffer = stackalloc byte[512];
            code = _fatalError(rk, buffer, 512);
            return code == 0 ? null : Marshal.PtrToStringUTF8((IntPtr)buffer);
        }

        /// <summary>rd_kafka_produceva: null when the message was enqueued, else an error to read and <see cref="ErrorDestroy"/>.</summary>
        public IntPtr Produceva(IntPtr rk, Vu* vus, int count) => _produceva(rk, vus, (nuint)count);

        /// <summary>rd_kafka_error_code.</summary>
        public int ErrorCode(IntPtr error) => _errorCode(error);

        /// <summary>rd_kafka_error_string.</summary>
        public string ErrorString(IntPtr error) => Marshal.PtrToStringUTF8((IntPtr)_errorString(error)) ?? "";

        /// <summary>rd_kafka_error_is_fatal.</summary>
        public bool ErrorIsFatal(IntPtr error) => _errorIsFatal(error) != 0;

        /// <summary>rd_kafka_error_destroy.</summary>
        public void ErrorDestroy(IntPtr error) => _errorDestroy(error);

        /// <summary>rd_kafka_topic_new with the default topic configuration: a topic handle to release with <see cref="TopicDestroy"/>, or zero (see <see cref="LastError"/>).</summary>
        public IntPtr TopicNew(IntPtr rk, byte* nameUtf8Z) => _topicNew(rk, nameUtf8Z, IntPtr.Zero);

        /// <summary>rd_kafka_topic_destroy.</summary>
        public void TopicDestroy(IntPtr rkt) => _topicDestroy(rkt);

        /// <summary>rd_kafka_outq_len: records not yet delivered (or whose delivery report is not yet served), plus queued requests.</summary>
        public int OutqLen(IntPtr rk) => _outqLen(rk);

        /// <summary>rd_kafka_flush: sends lingering records now and serves delivery reports for up to <paramref name="timeoutMs"/>; 0 when none is outstanding.</summary>
        public int Flush(IntPtr rk, int timeoutMs) => _flush(rk, timeoutMs);

        /// <summary>rd_kafka_last_error: the error of this thread's last failed legacy call (rd_kafka_topic_new).</summary>
        public int LastError() => _lastError();

        /// <summary>The value of the last header named <paramref name="nameUtf8Z"/> (NUL-terminated), or false.</summary>
        public bool LastHeader(Message* message, ReadOnlySpan<byte> nameUtf8Z, out ReadOnlySpan<byte> value)
        {
            value = default;
            IntPtr headers;
            if (_messageHeaders(message, &headers) != 0)
            {
                return false;
            }
            byte* v;
            nuint size;
            fixed (byte* name = nameUtf8Z)
            {
                if (_headerGetLast(headers, name, &v, &size) != 0)
                {
                    return false;
                }
            }
            value = v is null ? default : new ReadOnlySpan<byte>(v, (int)size);
            return true;
        }
    }
}
