using System.Runtime.ExceptionServices;

namespace Attribution.Host.Run;

/// <summary>Work another thread hands the transaction loop, and the signal it waits on until the work ran.</summary>
internal sealed class TransactionWorkItem(Action work)
{
    /// <summary>Set once the work ran.</summary>
    public ManualResetEventSlim Done { get; } = new(false);

    /// <summary>The work's exception, rethrown on the thread that handed it over.</summary>
    public ExceptionDispatchInfo? Error { get; private set; }

    /// <summary>Runs the work, keeping its exception.</summary>
    public void Run()
    {
        try
        {
            work();
        }
        catch (Exception e)
        {
            Error = ExceptionDispatchInfo.Capture(e);
        }
    }
}
