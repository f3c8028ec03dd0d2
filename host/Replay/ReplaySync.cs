namespace Attribution.Host.Replay;

/// <summary>What one snapshot of a replay made durable before its manifest: the lengths it records and the lengths synced.</summary>
/// <param name="Sequence">The snapshot.</param>
/// <param name="OutputRecorded">Output length the manifest records.</param>
/// <param name="OutputSynced">Output length known on disk (fsynced) before the manifest is written.</param>
/// <param name="DeadLettersRecorded">Dead-letter length the manifest records (0 without a dead-letter file).</param>
/// <param name="DeadLettersSynced">Dead-letter length known on disk before the manifest is written.</param>
public sealed record ReplaySync(long Sequence, long OutputRecorded, long OutputSynced, long DeadLettersRecorded, long DeadLettersSynced);
