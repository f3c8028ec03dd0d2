namespace Attribution.Engine.Pipeline;

internal sealed partial class ShardHandler
{
    private long _sinceSweep;
    // Expiry runs as passes of small steps (AttributionCore.ExpireStep), so no event waits behind a scan of the
    // whole state. Steps are taken first while the ring is empty (OnIdle), so a shard with spare time (a steady load
    // below its peak) does a pass in its gaps. A step also falls due every _eventsPerExpiryStep applied events, a
    // rate that spreads the pass over PassEvents() events; due steps are owed, idle steps pay them (ahead, too), and
    // a step is taken between events only when more than a quarter of the pass is owed. So a shard that is never
    // idle still ends a pass at most a quarter late, a little per event, while one that fell behind (a stall, the
    // costly first steps over the oldest, mostly expired records) first catches up and then pays in its gaps.
    // (Spreading every pass over half the event cadence, as before, put a pass over 5M events' state into a fifth of
    // the time between passes and doubled the cost of each event meanwhile; owing nothing, the first steps alone put a
    // shard at half its peak 150-400 ms behind. At 5M events, 2 shards paced at half their peak: p99 0.31-0.60 ms in
    // 4 of 4 runs owing a quarter, 0.50-71 ms owing a tenth.)
    private const int MaxPassCadences = 4;
    private const int PassDebtDivisor = 4;
    private bool _expiring;
    private long _eventsPerExpiryStep = 1;
    private long _sinceExpiryStep;
    private long _expiryStepsOwed;
    private long _expiryDebtLimit = 1;
    // The rate of events per event time, for PassEvents: events applied since, and the event time at, the last pass
    // start (or the first event).
    private long _sincePassStart;
    private long _rateOriginTime = long.MinValue;
    private long _passEvents = 1;

    /// <summary>Expired entries removed by sweeps so far.</summary>
    public long Expired { get; private set; }

    /// <summary>Sweeps done (whole ones and completed passes of incremental expiry).</summary>
    public long Sweeps { get; private set; }

    // After each applied event: counts it towards the pass cadence, and starts a pass or pays a step that fell due.
    private void AdvanceExpiry()
    {
        _sincePassStart++;
        if (_rateOriginTime == long.MinValue)
        {
            _rateOriginTime = _maxEventTime;
        }
        if (_expiring)
        {
            // Steps go on while a snapshot's checkpoints are written: the table holds back only the steps that move
            // records (compaction), and a pass held up by every snapshot would rarely end.
            if (++_sinceExpiryStep >= _eventsPerExpiryStep)
            {
                _sinceExpiryStep = 0;
                if (++_expiryStepsOwed > _expiryDebtLimit)
                {
                    _expiryStepsOwed--;
                    StepExpiry();
                }
            }
        }
        else if (++_sinceSweep >= _expireEvery && (_lastSweepEventTime == long.MinValue || _maxEventTime - _lastSweepEventTime >= _expireSpan) && !_checkpointInFlight
                 && Core.ExpiryMayRemove(_maxEventTime))
        {
            // A pass starts on the same cadence a whole sweep used to, but runs in small steps between events.
            _expiring = true;
            _sinceSweep = 0;
            _passEvents = PassEvents();
            _sincePassStart = 0;
            _rateOriginTime = _maxEventTime;
            _lastSweepEventTime = _maxEventTime;
            _sinceExpiryStep = 0;
            _expiryStepsOwed = 0;
            StepExpiry(); // the first step sizes the pass (Core.ExpiryPassSteps)
            _eventsPerExpiryStep = Math.Max(1, _passEvents / Core.ExpiryPassSteps);
            _expiryDebtLimit = Math.Max(1, Core.ExpiryPassSteps / PassDebtDivisor);
        }
    }

    // How many events the pass about to start is spread over: the events that come in the event time a pass waits
    // for (its rate measured since the last pass started, or the first event), so a pass ends about when the next could start; at least
    // half the event cadence (as before) and at most MaxPassCadences cadences. (Before steps were owed, half of that
    // span measured a paced p99 of 55 and 69 ms at 5M events and the whole span 3-37 ms in 4 runs: a pass then adds
    // 15-25 % to the work of a shard at half its peak instead of 35-50 %.)
    private long PassEvents()
    {
        long least = Math.Max(1, _expireEvery / 2);
        long elapsed = _rateOriginTime == long.MinValue ? 0 : _maxEventTime - _rateOriginTime;
        if (elapsed <= 0)
        {
            return least;
        }
        double perSpan = (double)_sincePassStart * _expireSpan / elapsed;
        return (long)Math.Clamp(perSpan, least, (double)MaxPassCadences * _expireEvery);
    }

    private void StepExpiry()
    {
        bool passDone = Core.ExpireStep(_passEvents, out long removed);
        EndStep(removed, passDone);
    }

    private void EndStep(long removed, bool passDone)
    {
        Expired += removed;
        if (passDone)
        {
            _expiring = false;
            Sweeps++;
        }
    }

    /// <summary>Expiry steps taken while the ring was empty.</summary>
    public long IdleExpirySteps { get; private set; }

    /// <summary>Whether expiry steps are taken while the ring is empty (default); off, a pass advances only between events.</summary>
    internal bool ExpireWhenIdle { get; set; } = true;

    /// <inheritdoc/>
    /// <remarks>One expiry step of the pass in progress, if there is one; the step then no longer falls due between events.</remarks>
    public bool OnIdle()
    {
        if (!_expiring || !ExpireWhenIdle || _failure is not null)
        {
            return false;
        }
        try
        {
            _expiryStepsOwed--;
            IdleExpirySteps++;
            StepExpiry();
        }
        catch (Exception e)
        {
            // No event to count it against: whatever failed, the shard's state may be half-swept, so the shard stops and says why.
            Fail(IsStateFault(e)
                ? StateFaultMessage(e)
                : $"Shard {Index} stopped because an expiry step failed: {e.Message.TrimEnd('.')}.", e);
            return false;
        }
        return true;
    }

    /// <summary>
    /// Removes expired state now, in one go (by itself expiry runs incrementally, a pass starting on the
    /// event-count/event-time cadence).
    /// Does nothing and returns 0 while a snapshot's checkpoints are being written.
    /// </summary>
    public long Sweep()
    {
        if (_checkpointInFlight)
        {
            return 0;
        }
        _sinceSweep = 0;
        _lastSweepEventTime = _maxEventTime;
        long removed = Core.Expire();
        Expired += removed;
        Sweeps++;
        return removed;
    }
}
