namespace Attribution.Engine.Events;

/// <summary>The kind of an input event, from its <c>event_type</c> field.</summary>
public enum EventKind : byte
{
    /// <summary>Not decoded (slot unused or record rejected).</summary>
    None = 0,
    /// <summary><c>"event_type":"click"</c>.</summary>
    Click = 1,
    /// <summary><c>"event_type":"conversion"</c>.</summary>
    Conversion = 2,
}
