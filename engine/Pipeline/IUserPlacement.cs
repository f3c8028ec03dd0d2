namespace Attribution.Engine.Pipeline;

/// <summary>
/// Says which partition a user belongs to under the caller's partitioning (a host checks that its input is keyed by
/// user id with it). Called on the submitting thread for every accepted record, with the decoded <c>user_id</c>
/// bytes: it must not allocate or block.
/// </summary>
public interface IUserPlacement
{
    /// <summary>The partition of <paramref name="userId"/> (UTF-8 bytes).</summary>
    int PartitionOf(ReadOnlySpan<byte> userId);
}
