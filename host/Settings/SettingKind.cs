namespace Attribution.Host.Settings;

/// <summary>How a setting's text is read (the same rules for a flag, a variable and the config file).</summary>
public enum SettingKind
{
    /// <summary>Free text (a topic, a name, an address); checked by the command's reader.</summary>
    Text,

    /// <summary>A whole number within the setting's range.</summary>
    Integer,

    /// <summary>A duration with a unit: 500ms, 30s, 15m, 1h, 2d (0 needs none).</summary>
    Duration,

    /// <summary>A positive number of hours, fractions allowed.</summary>
    Hours,

    /// <summary>A switch: a flag without a value, or true/false in the file and environment.</summary>
    Switch,

    /// <summary>One of a few words (see <see cref="Setting.Choices"/>).</summary>
    Choice,

    /// <summary>The <c>kafka</c> section: librdkafka properties (<c>--kafka key=value</c>, repeatable).</summary>
    KafkaProperties,
}
