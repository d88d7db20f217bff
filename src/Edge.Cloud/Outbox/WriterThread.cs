namespace Edge.Cloud.Outbox;

/// <summary>
/// A database writer's loop on a thread of its own. Each commit blocks on the disk (an fsync on a busy SD card takes
/// hundreds of milliseconds, and a commit waits for LiteDB's log writer, which itself runs on the thread pool): on a
/// pool thread that starved the web server, the MQTT client and DNS lookups of the threads they run on (seen in CI:
/// 2.7 s to resolve 'localhost', and a DPS registration that did not finish in 20 s, while writers ran beside it).
/// </summary>
public static class WriterThread
{
    [ThreadStatic]
    private static ManualResetEventSlim? t_waiting;

    /// <summary>
    /// Starts <paramref name="loop"/> on a new background thread and returns once it first waits in
    /// <see cref="WaitAny"/> (or has ended), as an async loop returns at its first await: a caller that then moves a
    /// test clock on finds the loop's timer already set. The task ends when the loop returns or throws.
    /// </summary>
    public static Task Start(string name, Action loop)
    {
        ArgumentNullException.ThrowIfNull(loop);
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var waiting = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            t_waiting = waiting;
            try
            {
                loop();
                stopped.SetResult();
            }
            catch (Exception ex)
            {
                stopped.SetException(ex);
            }
            finally
            {
                Started()?.Set();
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        waiting.Wait();
        return stopped.Task;
    }

    /// <summary>
    /// Blocks the writer's thread until the first of <paramref name="tasks"/> is done, cancelled included (cancelling
    /// is how the loop is told to stop, so it is not an error here); returns its index.
    /// </summary>
    public static int WaitAny(params Task[] tasks)
    {
        Started()?.Set();
        return Task.WaitAny(tasks, CancellationToken.None);
    }

    // The starter's signal, once: after the first wait this thread no longer holds it (the starter disposes it).
    private static ManualResetEventSlim? Started()
    {
        ManualResetEventSlim? waiting = t_waiting;
        t_waiting = null;
        return waiting;
    }
}
