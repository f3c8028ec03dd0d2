namespace Attribution.Engine.Ring;

/// <summary>Who may claim slots of a ring.</summary>
internal enum ProducerType
{
    /// <summary>One thread at a time claims and publishes (cheapest: no atomic instruction per claim).</summary>
    Single = 0,
    /// <summary>Any number of threads claim and publish concurrently (an atomic add per claim).</summary>
    Multi = 1,
}
