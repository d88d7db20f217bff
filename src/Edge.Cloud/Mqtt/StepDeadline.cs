namespace Edge.Cloud.Mqtt;

/// <summary>
/// A token that is cancelled when the caller's token is, or when <c>timeout</c> has passed on the given clock, so that
/// tests can run a deadline on a fake clock. <see cref="Token"/> is what the network step receives.
/// </summary>
internal sealed class StepDeadline : IDisposable
{
    private readonly CancellationTokenSource _timer;
    private readonly CancellationTokenSource _linked;

    public StepDeadline(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        _timer = new CancellationTokenSource(timeout, time);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _timer.Token);
    }

    public CancellationToken Token => _linked.Token;

    public void Dispose()
    {
        _linked.Dispose();
        _timer.Dispose();
    }
}
