namespace ServerlessCovid.Core.Storage;

/// <summary>
/// Runs an idempotent set-up call (create a container or table) once per process; a failed attempt is forgotten so
/// the next caller tries again instead of caching the failure. <see cref="Forget"/> makes the next caller run it
/// again: storage deleted while the process runs is recreated by the first call that finds it missing.
/// </summary>
/// <remarks>
/// Public because the retraining workspace and run table use it too. Every container and table the app writes to
/// holds one: tables and containers deleted while a worker runs (an operator's clean-up, a storage restore) come back
/// on the next call instead of failing every call until a restart.
/// </remarks>
public sealed class AsyncOnce(Func<CancellationToken, Task> action)
{
    private readonly Lock _gate = new();
    private Task? _task;

    /// <summary>Creates the resource unless an earlier call already did (or is doing it now).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Task task;
        lock (_gate)
        {
            _task ??= action(cancellationToken);
            task = _task;
        }

        try
        {
            await task.ConfigureAwait(false);
        }
        catch
        {
            lock (_gate)
            {
                if (ReferenceEquals(_task, task))
                {
                    _task = null;
                }
            }

            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="operation"/> on the resource after making sure it exists; when the operation finds the
    /// resource itself gone (deleted while the process ran), creates it again and runs the operation once more. One
    /// retry is enough: a second miss means something keeps deleting it, which the caller should see.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        await RunAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await operation(cancellationToken).ConfigureAwait(false);
        }
        catch (Azure.RequestFailedException ex) when (IsMissingResource(ex))
        {
            Forget();
            await RunAsync(cancellationToken).ConfigureAwait(false);
            return await operation(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc cref="RunAsync{T}(Func{CancellationToken, Task{T}}, CancellationToken)"/>
    public Task RunAsync(Func<CancellationToken, Task> operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return RunAsync<bool>(
            async ct =>
            {
                await operation(ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);
    }

    /// <summary>The resource was found missing: the next <see cref="RunAsync(CancellationToken)"/> creates it again.</summary>
    public void Forget()
    {
        lock (_gate)
        {
            _task = null;
        }
    }

    /// <summary>True for the 404s that mean the table, container or queue itself is gone (not just an entity or blob).</summary>
    public static bool IsMissingResource(Azure.RequestFailedException ex) =>
        ex.Status == 404 && ex.ErrorCode is "TableNotFound" or "ContainerNotFound" or "QueueNotFound";
}
