namespace Attribution.Tests.Host.Run;

/// <summary>
/// Which input partition a test's producer writes each generated record to (an explicit <c>-p</c>, as a custom
/// partitioner would): a re-keying host's output must not depend on it.
/// </summary>
public enum InputSpread
{
    /// <summary>The stream generator's partitions: mostly one per user, some records elsewhere.</summary>
    AsGenerated,

    /// <summary>Record i goes to partition i mod P, whatever its user.</summary>
    RoundRobin,

    /// <summary>A seeded random partition per record.</summary>
    Random,

    /// <summary>Each user's successive records cycle over every partition, so every user is in all of them.</summary>
    UserOnEveryPartition,
}
