using System.Runtime.ExceptionServices;

namespace Attribution.Host.Run;

/// <summary>
/// One long-lived thread that makes the producer's blocking transactional calls for the transaction loop, which waits
/// for each at most a watchdog time. The loop hands a call over and back through two reused signals: no pool
/// scheduling (a <c>Task.Run</c> per call queued behind whatever the pool was doing) and no allocation per call.
/// A call that does not return in time leaves this caller behind, blocked: it is abandoned (see
/// <see cref="TryCall"/>) and the loop continues with a new caller and a new producer.
/// </summary>
internal sealed class GuardedCaller : IDisposable
{
    private readonly ManualResetEventSlim _go = new(false);
    private readonly ManualResetEventSlim _done = new(false);
    private readonly Thread _thread;
    private Action? _call;
    private Action? _afterAbandoned;
    private ExceptionDispatchInfo? _error;
    private volatile bool _ending;
    private volatile bool _abandoned;
    private int _state; // Calling, Returned or Abandoned: the two threads race to decide a late call's fate with one CAS

    private const int Calling = 0, Returned = 1, Abandoned = 2;

    /// <summary>Starts the caller's thread.</summary>
    public GuardedCaller()
    {
        _thread = new Thread(Run) { Name = "attribution-producer-calls", IsBackground = true };
        _thread.Start();
    }

    /// <summary>
    /// Runs <paramref name="call"/> on the caller's thread and waits at most <paramref name="limit"/>; its exception is
    /// rethrown here. False when it did not return in time: the caller is then abandoned, and
    /// <paramref name="afterAbandoned"/> runs on its thread once the call returns, if it ever does.
    /// </summary>
    public bool TryCall(Action call, TimeSpan limit, Action afterAbandoned)
    {
        ObjectDisposedException.ThrowIf(_abandoned || _ending, this);
        _error = null;
        _call = call;
        _afterAbandoned = afterAbandoned;
        _done.Reset();
        Volatile.Write(ref _state, Calling);
        _go.Set();
        if (!_done.Wait(limit))
        {
            if (Interlocked.CompareExchange(ref _state, Abandoned, Calling) == Calling)
            {
                _abandoned = true;
                return false;
            }
            _done.Wait(); // returned just in time: its signal is imminent and must not be left to the next call
        }
        _error?.Throw();
        return true;
    }

    private void Run()
    {
        while (true)
        {
            _go.Wait();
            _go.Reset();
            if (_ending)
            {
                return;
            }
            try
            {
                _call!();
            }
            catch (Exception e)
            {
                _error = ExceptionDispatchInfo.Capture(e);
            }
            if (Interlocked.CompareExchange(ref _state, Returned, Calling) == Abandoned)
            {
                _afterAbandoned?.Invoke();
                return;
            }
            _done.Set();
        }
    }

    /// <summary>Ends the thread if it is idle (an abandoned caller ends by itself when its call returns).</summary>
    public void Dispose()
    {
        if (!_abandoned)
        {
            _ending = true;
            _go.Set();
        }
    }
}
