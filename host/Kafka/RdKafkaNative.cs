using System.Reflection;
using System.Runtime.InteropServices;

namespace Attribution.Host.Kafka;

/// <summary>
/// The few librdkafka functions the batch consumer calls (rdkafka.h of 2.16), bound as function pointers to the very
/// file Confluent.Kafka loaded, so the process holds one librdkafka and our handles are its handles.
/// </summary>
internal static unsafe class RdKafkaNative
{
    private static readonly Lock Gate = new();
    private static Exports? exports;

    /// <summary>rd_kafka_resp_err_t RD_KAFKA_RESP_ERR__PARTITION_EOF.</summary>
    public const int PartitionEof = -191;

    /// <summary>rd_kafka_resp_err_t RD_KAFKA_RESP_ERR__FATAL.</summary>
    public const int Fatal = -150;

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
        public string? FatalError(IntPtr rk)
        {
            byte* buffer = stackalloc byte[512];
            return _fatalError(rk, buffer, 512) == 0 ? null : Marshal.PtrToStringUTF8((IntPtr)buffer);
        }

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
