namespace Attribution.Engine.Snapshots;

/// <summary>The newest valid snapshot was taken with settings that determine results differently from the engine's.</summary>
public sealed class SnapshotMismatchException(string message) : Exception(message);
