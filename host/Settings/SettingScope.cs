namespace Attribution.Host.Settings;

/// <summary>The commands a setting belongs to.</summary>
[Flags]
public enum SettingScope
{
    /// <summary><c>attribution run</c>.</summary>
    Run = 1,

    /// <summary><c>attribution replay</c>.</summary>
    Replay = 2,

    /// <summary><c>attribution demo</c> (and no arguments).</summary>
    Demo = 4,
}
