namespace ServerlessCovid.Retraining.Hosting;

/// <summary>
/// Durable Task's in-process worker hands activities no cancellation token, so a cancelled demo (Ctrl+C) left its
/// training activity running until the process was killed. <see cref="RetrainingHost"/> cancels this when it is
/// disposed, and activities run there observe it at their next check (a training step). The Functions app never
/// registers it: its activity triggers get the invocation's own token.
/// </summary>
public sealed class InProcessActivityCancellation : IDisposable
{
    private readonly CancellationTokenSource _source = new();

    public CancellationToken Token => _source.Token;

    public void Cancel()
    {
        try
        {
            _source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The host's services are already gone, and with them every activity that could observe the token.
        }
    }

    public void Dispose() => _source.Dispose();
}
