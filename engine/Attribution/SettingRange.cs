namespace Attribution.Engine.Attribution;

/// <summary>
/// The inclusive bounds of a numeric setting. The engine owns them (its <c>Validate</c> methods enforce
/// them); the command line, the C ABI and the bench read them from here instead of restating numbers.
/// </summary>
/// <param name="Min">Smallest accepted value.</param>
/// <param name="Max">Largest accepted value.</param>
public readonly record struct SettingRange(long Min, long Max)
{
    /// <summary>True when <paramref name="value"/> lies within the bounds.</summary>
    public bool Contains(long value) => value >= Min && value <= Max;
}
