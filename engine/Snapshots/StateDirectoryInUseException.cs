namespace Attribution.Engine.Snapshots;

/// <summary>
/// Another engine (in this process or another) holds the state directory's lock; nothing in the
/// directory was changed. The message is one sentence naming the holder.
/// </summary>
public sealed class StateDirectoryInUseException(string message) : IOException(message);
