namespace Attribution.Native;

/// <summary>Status codes of the C ABI (<c>ATTR_*</c> in attribution.h). Values are part of the ABI: never renumber.</summary>
public enum AttrStatus
{
    /// <summary>Success.</summary>
    Ok = 0,
    /// <summary>An unexpected internal error (the message says what).</summary>
    Error = -1,
    /// <summary>A pointer, length or value argument is invalid.</summary>
    InvalidArgument = -2,
    /// <summary>The engine handle is NULL, closed, forged or otherwise unknown.</summary>
    InvalidHandle = -3,
    /// <summary>The configuration JSON is invalid.</summary>
    InvalidConfig = -4,
    /// <summary>A record was rejected by the decoder (counted; the reason is returned separately).</summary>
    Rejected = -5,
    /// <summary>The caller's buffer cannot hold the next whole result; <c>needed</c> says how much would.</summary>
    BufferTooSmall = -6,
    /// <summary>The query found nothing.</summary>
    NotFound = -7,
    /// <summary>The output queue is full: poll attributions, then retry (the record was not consumed).</summary>
    Backpressure = -8,
    /// <summary>Another thread is submitting to this single-producer engine.</summary>
    Busy = -9,
    /// <summary>The shards did not finish in time.</summary>
    Timeout = -10,
    /// <summary>The operation is not available for this engine (e.g. snapshots without a state directory).</summary>
    Unsupported = -11,
    /// <summary>The state directory is locked by another open engine (in this or another process); the message names the holder.</summary>
    InUse = -12,
}
