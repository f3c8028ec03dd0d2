using System.Runtime.InteropServices;

namespace Attribution.Tests.Reliability;

/// <summary>SIGSTOP and SIGCONT for a child process (Linux numbering), sent with libc's kill(2).</summary>
internal static partial class ProcessSignals
{
    private const int SigCont = 18;
    private const int SigStop = 19;

    /// <summary>Freezes the process: no thread runs, its sockets stay open, its heartbeats stop.</summary>
    public static void Stop(int pid) => Send(pid, SigStop);

    /// <summary>Lets a stopped process run again.</summary>
    public static void Continue(int pid) => Send(pid, SigCont);

    private static void Send(int pid, int signal)
    {
        if (Kill(pid, signal) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            const int NoSuchProcess = 3; // ESRCH: it already exited, which the caller notices itself
            if (errno != NoSuchProcess)
            {
                throw new InvalidOperationException($"kill({pid}, {signal}) failed with errno {errno}");
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
