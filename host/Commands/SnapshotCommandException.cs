namespace Attribution.Host.Commands;

/// <summary>A snapshot command could not do what it was asked (exit 1); the message is one sentence for a person.</summary>
internal sealed class SnapshotCommandException(string message) : Exception(message);
