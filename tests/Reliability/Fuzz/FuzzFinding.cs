namespace Attribution.Tests.Reliability.Fuzz;

/// <summary>An input that broke an invariant of its target.</summary>
/// <param name="Target">The entry point.</param>
/// <param name="Input">The input bytes.</param>
/// <param name="Message">Which invariant, and how.</param>
public sealed record FuzzFinding(FuzzTarget Target, byte[] Input, string Message)
{
    /// <summary>For failure messages: the target, the invariant and the input in hex.</summary>
    public override string ToString() => $"{Target}: {Message}; input ({Input.Length} bytes) {Convert.ToHexString(Input.AsSpan(0, Math.Min(Input.Length, 512)))}";
}
