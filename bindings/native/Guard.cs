using Attribution.Engine.Events;
using Attribution.Engine.Pipeline;

namespace Attribution.Native;

/// <summary>Argument checks and error mapping shared by the exports: nothing the caller passes, and no exception, crosses the boundary unchecked.</summary>
internal static unsafe class Guard
{
    /// <summary>Largest length accepted for any buffer (1 GiB); larger values are taken for bugs such as a negative length cast to size_t.</summary>
    public const ulong MaxLength = 1UL << 30;

    /// <summary>Turns (pointer, length) into a span, or sets the error and returns false.</summary>
    public static bool TryInput(byte* pointer, nuint length, string name, out ReadOnlySpan<byte> span, out int status)
    {
        span = default;
        if (length > MaxLength)
        {
            status = LastError.Set(AttrStatus.InvalidArgument, $"The length of {name} is {length} bytes, more than the 1 GiB limit (a negative length cast to size_t?).");
            return false;
        }
        if (pointer is null && length != 0)
        {
            status = LastError.Set(AttrStatus.InvalidArgument, $"{name} is NULL but its length is {length}.");
            return false;
        }
        span = new ReadOnlySpan<byte>(pointer, (int)length);
        status = 0;
        return true;
    }

    /// <summary>Like <see cref="TryInput"/> for a caller-owned output buffer.</summary>
    public static bool TryOutput(byte* pointer, nuint capacity, string name, out Span<byte> span, out int status)
    {
        span = default;
        if (capacity > MaxLength)
        {
            status = LastError.Set(AttrStatus.InvalidArgument, $"The capacity of {name} is {capacity} bytes, more than the 1 GiB limit (a negative length cast to size_t?).");
            return false;
        }
        if (pointer is null && capacity != 0)
        {
            status = LastError.Set(AttrStatus.InvalidArgument, $"{name} is NULL but its capacity is {capacity}.");
            return false;
        }
        span = new Span<byte>(pointer, (int)capacity);
        status = 0;
        return true;
    }

    /// <summary>
    /// The frame of every export on an open engine: resolves <paramref name="handle"/>, keeps <c>attr_close</c> waiting
    /// while <paramref name="call"/> runs, and turns any exception into a status and message, so none crosses the boundary.
    /// </summary>
    public static int Call<TCall>(nint handle, TCall call) where TCall : struct, IEngineCall
    {
        try
        {
            NativeEngine? engine = EngineHandles.Find(handle);
            if (engine is null || !engine.TryEnter())
            {
                return InvalidHandle(handle);
            }
            try
            {
                return call.Run(engine);
            }
            finally
            {
                engine.Exit();
            }
        }
        catch (Exception e)
        {
            return Fail(e);
        }
    }

    /// <summary>Sets the error for a NULL required pointer.</summary>
    public static int Null(string name) => LastError.Set(AttrStatus.InvalidArgument, $"{name} must not be NULL.");

    /// <summary>Sets the error for a handle that names no open engine.</summary>
    public static int InvalidHandle(nint handle) => LastError.Set(AttrStatus.InvalidHandle, handle == 0
        ? "The engine handle is NULL."
        : "The engine handle is not an open engine (closed, never opened, or not a handle).");

    /// <summary>Maps an exception to a status and message; the only exit for exceptions from the exports.</summary>
    public static int Fail(Exception e) => e switch
    {
        TimeoutException => LastError.Set(AttrStatus.Timeout, e.Message),
        // A shard's state could not be written (e.g. a full disk): every later call says so, with the cause.
        ShardFailedException => LastError.Set(AttrStatus.Error, e.Message),
        ArgumentException => LastError.Set(AttrStatus.InvalidArgument, e.Message),
        _ => LastError.Set(AttrStatus.Error, $"{e.GetType().Name}: {e.Message}"),
    };

    /// <summary>The message for a rejected record, pre-encoded so the rejection path allocates nothing.</summary>
    public static ReadOnlySpan<byte> RejectMessage(RejectReason reason) => reason switch
    {
        RejectReason.InvalidJson => "The record was rejected: invalid_json (not valid JSON, or not valid MessagePack for the binary format)."u8,
        RejectReason.NotAnObject => "The record was rejected: not_an_object (the top level is not an object)."u8,
        RejectReason.MissingEventType => "The record was rejected: missing_event_type."u8,
        RejectReason.UnknownEventType => "The record was rejected: unknown_event_type (neither click nor conversion)."u8,
        RejectReason.MissingField => "The record was rejected: missing_field (a required field is absent)."u8,
        RejectReason.WrongType => "The record was rejected: wrong_type (a field has the wrong type)."u8,
        RejectReason.InvalidUtf8 => "The record was rejected: invalid_utf8."u8,
        RejectReason.Oversized => "The record was rejected: oversized (larger than max_record_bytes)."u8,
        RejectReason.FieldTooLong => "The record was rejected: field_too_long."u8,
        RejectReason.EmptyField => "The record was rejected: empty_field (a required string is empty)."u8,
        RejectReason.DuplicateField => "The record was rejected: duplicate_field (a field appears twice)."u8,
        RejectReason.ClockSkew => "The record was rejected: clock_skew (its timestamp is further from its partition's event time than max_clock_skew_ms)."u8,
        _ => "The record was rejected."u8,
    };
}
