using Attribution.Engine.Attribution;
using Attribution.Engine.Events;

namespace Attribution.Engine.Pipeline;

/// <summary>
/// Live query: the newest live click of one (user, campaign), read on the shard that owns the user's
/// partition at a consistent point of the stream (every event submitted before the query is applied).
/// Behind <see cref="AttributionEngine.FindLastClick"/>; allocates per query (not a per-event path).
/// </summary>
internal sealed class LastClickQuery : ShardCommand
{
    private readonly byte[] _userId;
    private readonly byte[] _campaignId;
    private readonly int _shards;

    /// <summary>Creates a query; the partition is hash(user_id) mod <paramref name="partitions"/>, as for submitted records.</summary>
    /// <exception cref="ArgumentException">An id is empty or longer than <see cref="EventRecord.MaxIdBytes"/> bytes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The partition or shard count is not positive.</exception>
    public LastClickQuery(ReadOnlySpan<byte> userId, ReadOnlySpan<byte> campaignId, int partitions, int shards)
    {
        if (userId.IsEmpty || userId.Length > EventRecord.MaxIdBytes || campaignId.IsEmpty || campaignId.Length > EventRecord.MaxIdBytes)
        {
            throw new ArgumentException($"The user and campaign ids must be 1 to {EventRecord.MaxIdBytes} bytes long.");
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shards);
        _userId = userId.ToArray();
        _campaignId = campaignId.ToArray();
        _shards = shards;
        Partition = UserPartitioner.Partition(userId, partitions);
    }

    /// <summary>The state partition of the user.</summary>
    public int Partition { get; }

    /// <summary>Whether a live click was found (valid after the command completed).</summary>
    public bool Found { get; private set; }

    /// <summary>The click's <c>event_id</c> (empty when not found).</summary>
    public byte[] ClickId { get; private set; } = [];

    /// <summary>The click's <c>ad_id</c>.</summary>
    public byte[] AdId { get; private set; } = [];

    /// <summary>The click's <c>source</c>.</summary>
    public byte[] Source { get; private set; } = [];

    /// <summary>The click's event time, epoch ms.</summary>
    public long Timestamp { get; private set; }

    /// <inheritdoc/>
    public override void Execute(ShardHandler shard)
    {
        // Every shard sees the command; only the owner of the partition reads. The results are
        // published to the waiting caller by the command's completion monitor.
        if (Partition % _shards != shard.Index)
        {
            return;
        }
        if (shard.Core.TryGetLastClick(Partition, _userId, _campaignId, out ClickView click))
        {
            ClickId = click.EventId.ToArray();
            AdId = click.AdId.ToArray();
            Source = click.Source.ToArray();
            Timestamp = click.Timestamp;
            Found = true;
        }
    }
}
