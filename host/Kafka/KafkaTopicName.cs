namespace Attribution.Host.Kafka;

/// <summary>Kafka's rule for topic names, checked where a name is configured (run settings, the broker command).</summary>
public static class KafkaTopicName
{
    /// <summary>Why <paramref name="name"/> is not a legal Kafka topic name, or null when it is.</summary>
    public static string? Problem(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        // Kafka's own rule: 1..249 characters of [a-zA-Z0-9._-], and not "." or "..".
        if (name.Length is 0 or > 249 || name is "." or "..")
        {
            return $"topic name '{name}' must be 1 to 249 characters and not '.' or '..'.";
        }
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return $"topic name '{name}' may only contain ASCII letters, digits, '.', '_' and '-'.";
            }
        }
        return null;
    }
}
