namespace Attribution.Tests.Engine.Ring;

/// <summary>Background threads for a test, joined with a timeout so a bug fails the test instead of hanging it.</summary>
internal sealed class TestThreads
{
    private readonly List<Thread> _threads = [];
    private readonly List<Exception> _errors = [];

    public void Start(string name, Action body)
    {
        var t = new Thread(() =>
        {
            try
            {
                body();
            }
            catch (Exception ex)
            {
                lock (_errors)
                {
                    _errors.Add(ex);
                }
            }
        })
        { Name = name, IsBackground = true };
        _threads.Add(t);
        t.Start();
    }

    public void JoinAll(TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        foreach (Thread t in _threads)
        {
            TimeSpan left = deadline - DateTime.UtcNow;
            Assert.That(t.Join(left < TimeSpan.Zero ? TimeSpan.Zero : left), Is.True, $"thread {t.Name} did not finish within {timeout}");
        }
        lock (_errors)
        {
            if (_errors.Count > 0)
            {
                throw new AggregateException("A test thread failed.", _errors);
            }
        }
    }
}
