using Attribution.Engine.Pipeline;

namespace Attribution.Host.Replay;

/// <summary>
/// A file the replay writes (output, dead letters) could not be written; the message is one sentence
/// naming the file and the cause, in words when it is the lack of space.
/// </summary>
public sealed class OutputWriteException : IOException
{
    /// <summary>Creates the exception for <paramref name="what"/> (e.g. "output file") at <paramref name="path"/>.</summary>
    public OutputWriteException(string what, string path, Exception cause)
        : base($"The {what} '{path}' could not be written: {Cause(cause)}", cause)
    {
        Path = path;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    private static string Cause(Exception e) => DiskErrors.IsNoSpace(e)
        ? "no space left on device"
        : e.Message.TrimEnd('.');
}
