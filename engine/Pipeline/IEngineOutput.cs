namespace Attribution.Engine.Pipeline;

/// <summary>
/// Receives attributions from the shards. Called on shard threads — concurrently for different
/// shards — at the end of each ring batch and before every command (so a flush or snapshot sees all
/// outputs of the events before it). Copy what you keep: the batch is reused after the call.
/// </summary>
public interface IEngineOutput
{
    /// <summary>Delivers a non-empty batch.</summary>
    void Deliver(OutputBatch batch);
}
