namespace Attribution.Engine.Ring;

/// <summary>
/// A waiting helper for short waits: a few growing pause bursts, then a yield per call. It never
/// sleeps, so a waiter resumes as soon as the OS gives it a core.
/// </summary>
internal struct SpinThenYield
{
    /// <summary>Calls that spin before the helper starts yielding.</summary>
    public const int SpinCalls = 10;

    private int _calls;

    /// <summary>Waits a little; longer on later calls.</summary>
    public void SpinOnce()
    {
        if (_calls < SpinCalls)
        {
            Thread.SpinWait(1 << _calls);
            _calls++;
        }
        else
        {
            Thread.Yield();
        }
    }
}
