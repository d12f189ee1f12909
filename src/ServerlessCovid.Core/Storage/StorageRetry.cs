using Azure;

namespace ServerlessCovid.Core.Storage;

/// <summary>Bounded exponential back-off for storage calls that must not give up at the SDK's first failure.</summary>
public static class StorageRetry
{
    /// <summary>No single pause grows past this, so a long outage is polled rather than waited out blind.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Runs <paramref name="operation"/> up to <paramref name="attempts"/> times while it throws
    /// <see cref="RequestFailedException"/>, pausing <paramref name="baseDelay"/> × 2^(attempt − 1) (at most
    /// <see cref="MaxDelay"/>) in between; the last failure propagates.
    /// </summary>
    public static async Task<T> RunAsync<T>(
        Func<CancellationToken, Task<T>> operation,
        int attempts,
        TimeSpan baseDelay,
        TimeProvider time,
        Action<int, TimeSpan, RequestFailedException>? onRetry,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await operation(cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (attempt < attempts)
            {
                TimeSpan delay = DelayFor(attempt, baseDelay);
                onRetry?.Invoke(attempt, delay, ex);
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The pause after failed attempt <paramref name="attempt"/> (1-based).</summary>
    public static TimeSpan DelayFor(int attempt, TimeSpan baseDelay)
    {
        double ticks = baseDelay.Ticks * Math.Pow(2, Math.Min(attempt - 1, 30));
        return ticks >= MaxDelay.Ticks ? MaxDelay : TimeSpan.FromTicks((long)ticks);
    }
}
