namespace ServerlessCovid.Core.Storage;

/// <summary>
/// Runs an idempotent set-up call (create a container or table) once per process; a failed attempt is forgotten so
/// the next caller tries again instead of caching the failure. <see cref="Forget"/> makes the next caller run it
/// again: storage deleted while the process runs is recreated by the first call that finds it missing.
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

    /// <summary>The resource was found missing: the next <see cref="RunAsync"/> creates it again.</summary>
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
