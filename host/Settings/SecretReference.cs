using Attribution.Host.Cli;

namespace Attribution.Host.Settings;

/// <summary>
/// Values given by reference, so a secret is never on a command line (<c>ps</c>) or in a config file:
/// <c>${file:/run/secrets/kafka-password}</c> stands for the file's content (one trailing newline dropped, as
/// <c>echo</c> and most secret stores write one). A file that cannot be read fails the start with one sentence.
/// </summary>
public static class SecretReference
{
    private const string Open = "${file:";

    /// <summary>The reference to <paramref name="path"/>, as the <c>_FILE</c> environment variables are turned into.</summary>
    public static string To(string path) => Open + path + "}";

    /// <summary>Whether <paramref name="value"/> is a whole <c>${file:…}</c> reference.</summary>
    public static bool IsReference(string? value)
        => value is not null && value.StartsWith(Open, StringComparison.Ordinal) && value.EndsWith('}') && value.Length > Open.Length + 1;

    /// <summary><paramref name="value"/> itself, or the content of the file it references.</summary>
    /// <param name="value">A value, possibly <c>${file:/path}</c>.</param>
    /// <param name="source">Where the value came from (a flag, variable or file key), for the error.</param>
    /// <exception cref="UsageException">The referenced file is missing or unreadable.</exception>
    public static string Resolve(string value, string source)
    {
        if (!IsReference(value))
        {
            return value;
        }
        string path = value[Open.Length..^1];
        try
        {
            string text = File.ReadAllText(path);
            return text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            string why = e switch
            {
                FileNotFoundException or DirectoryNotFoundException => "it does not exist",
                UnauthorizedAccessException => "permission denied",
                _ => e.Message.TrimEnd('.'),
            };
            throw new UsageException($"The secret file '{path}' named by {source} cannot be read: {why}.");
        }
    }
}
