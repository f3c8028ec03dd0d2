namespace Attribution.Engine.Ring;

/// <summary>Validates ring sizes in one place, so every entry point gives the same message.</summary>
internal static class RingSize
{
    /// <summary>Largest accepted size: indexes are ints and the availability flag needs spare bits.</summary>
    public const int Max = 1 << 30;

    /// <summary>Throws a clear <see cref="ArgumentException"/> unless <paramref name="bufferSize"/> is a power of two in range.</summary>
    public static void Validate(int bufferSize, string paramName)
    {
        if (bufferSize < 1)
        {
            throw new ArgumentException(
                $"The ring size must be at least 1; got {bufferSize}.", paramName);
        }
        if (bufferSize > Max)
        {
            throw new ArgumentException(
                $"The ring size must be at most {Max} (2^30); got {bufferSize}.", paramName);
        }
        if ((bufferSize & (bufferSize - 1)) != 0)
        {
            int below = 1 << (31 - int.LeadingZeroCount(bufferSize));
            throw new ArgumentException(
                $"The ring size must be a power of two, because slots are found with a bit mask; got {bufferSize}. " +
                $"Use {below} or {below * 2}.", paramName);
        }
    }
}
