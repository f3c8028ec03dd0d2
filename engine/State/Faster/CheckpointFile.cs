namespace Attribution.Engine.State.Faster;

/// <summary>
/// One file a FASTER checkpoint consists of. <paramref name="Length"/> bytes of it belong to the
/// checkpoint: the whole file, or when <paramref name="IsPrefix"/> its first bytes (a log segment
/// that the table keeps appending to after the checkpoint).
/// </summary>
/// <param name="Path">Absolute path of the file.</param>
/// <param name="Length">Bytes that belong to the checkpoint, from the start of the file.</param>
/// <param name="IsPrefix">True when the file may be longer than <paramref name="Length"/>.</param>
internal readonly record struct CheckpointFile(string Path, long Length, bool IsPrefix);
