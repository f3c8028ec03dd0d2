namespace Attribution.Host.Run;

/// <summary>
/// Where a newly assigned partition resumes. Input from <see cref="Start"/> to <see cref="Committed"/> − 1
/// rebuilds state silently (its outputs are already in Kafka); later input is processed normally, except
/// that offsets listed in <see cref="EmittedOutputs"/> / <see cref="EmittedDeadLetters"/> already have
/// their record in the output / dead-letter topic (left visible by a transaction that did not commit
/// its offsets) and are not produced again.
/// </summary>
internal sealed record RecoveryPoint(
    long Start,
    long Committed,
    IReadOnlySet<long> EmittedOutputs,
    IReadOnlySet<long> EmittedDeadLetters)
{
    /// <summary>No set entries.</summary>
    public static readonly IReadOnlySet<long> None = new HashSet<long>();

    /// <summary>Offsets replayed silently.</summary>
    public long SilentCount => Committed - Start;
}
