namespace Attribution.Host.Cli;

/// <summary>Thrown for a bad command line or setting; the message is one sentence meant for a person.</summary>
public sealed class UsageException(string message) : Exception(message);
