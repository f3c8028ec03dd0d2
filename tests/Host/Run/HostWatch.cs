using System.Globalization;

namespace Attribution.Tests.Host.Run;

/// <summary>Samples a process's open file descriptors and resident memory from /proc every 100 ms, keeping the maxima.</summary>
internal sealed class HostWatch : IDisposable
{
    private readonly int _pid;
    private readonly Thread _thread;
    private volatile bool _stop;
    private int _maxOpenFiles;
    private long _maxRssMb;

    /// <summary>Starts sampling process <paramref name="pid"/>.</summary>
    public HostWatch(int pid)
    {
        _pid = pid;
        FirstOpenFiles = OpenFiles;
        _maxOpenFiles = FirstOpenFiles;
        _thread = new Thread(Sample) { IsBackground = true, Name = "host-watch" };
        _thread.Start();
    }

    /// <summary>Open descriptors at the start.</summary>
    public int FirstOpenFiles { get; }

    /// <summary>Open descriptors now (0 once the process is gone).</summary>
    public int OpenFiles
    {
        get
        {
            try
            {
                return Directory.GetFiles($"/proc/{_pid}/fd").Length;
            }
            catch (Exception e) when (e is DirectoryNotFoundException or IOException or UnauthorizedAccessException)
            {
                return 0;
            }
        }
    }

    /// <summary>Resident memory now, in MB (0 once the process is gone).</summary>
    public long RssMb
    {
        get
        {
            try
            {
                foreach (var line in File.ReadLines($"/proc/{_pid}/status"))
                {
                    if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    {
                        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
                    }
                }
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
            {
                // gone
            }
            return 0;
        }
    }

    /// <summary>Most open descriptors seen.</summary>
    public int MaxOpenFiles => Volatile.Read(ref _maxOpenFiles);

    /// <summary>Most resident memory seen, in MB.</summary>
    public long MaxRssMb => Interlocked.Read(ref _maxRssMb);

    private void Sample()
    {
        while (!_stop)
        {
            int files = OpenFiles;
            if (files > _maxOpenFiles)
            {
                Volatile.Write(ref _maxOpenFiles, files);
            }
            long rss = RssMb;
            if (rss > _maxRssMb)
            {
                Interlocked.Exchange(ref _maxRssMb, rss);
            }
            Thread.Sleep(100);
        }
    }

    /// <summary>Stops sampling.</summary>
    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}
