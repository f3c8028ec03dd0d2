namespace Attribution.Host.Run;

/// <summary>Turns client error texts into the one-sentence messages the host prints.</summary>
internal static class Sentences
{
    /// <summary>The first sentence of <paramref name="text"/>, without its final period.</summary>
    public static string First(string text)
    {
        text = text.Trim();
        int dot = text.IndexOf(". ", StringComparison.Ordinal);
        return (dot > 0 ? text[..dot] : text).TrimEnd('.');
    }
}
