namespace Attribution.Engine.Pipeline;

/// <summary>Wire format of input or output records.</summary>
public enum WireFormat : byte
{
    /// <summary>UTF-8 JSON (docs/SEMANTICS.md, wire formats).</summary>
    Json = 0,
    /// <summary>MessagePack map with the same keys; <c>value</c> as exact decimal text.</summary>
    MessagePack = 1,
}
