namespace ServerlessCovid.Core.Storage;

/// <summary>
/// Runs an idempotent set-up call (create a container or table) once per process; a failed attempt is forgotten so
/// the next caller tries again instead of caching the failure.
/// </summary>
internal sealed class AsyncOnce(Func<CancellationToken, Task> action)
{
    private readonly Lock _gate = new();
    private Task? _task;

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
}
