namespace Attribution.Host.Run;

/// <summary>The pipeline cannot go on (fenced or fatal producer, engine fault); the message is one sentence for the operator.</summary>
public sealed class FatalPipelineException(string message) : Exception(message);
