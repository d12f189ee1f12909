using ServerlessCovid.Retraining.Datasets;

namespace ServerlessCovid.Retraining.Tests.Support;

/// <summary>The real store, with a gate in front of the snapshot so a test can hold a run open.</summary>
public sealed class GatedLabelledImageSource(ILabelledImageSource inner) : ILabelledImageSource
{
    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string SourceName => inner.SourceName;

    public async Task<IReadOnlyList<DatasetItem>> FreezeAsync(CancellationToken cancellationToken = default)
    {
        Entered.TrySetResult();
        await Release.Task.WaitAsync(cancellationToken);
        return await inner.FreezeAsync(cancellationToken);
    }

    public Task DownloadAsync(DatasetItem item, string path, CancellationToken cancellationToken = default) =>
        inner.DownloadAsync(item, path, cancellationToken);
}
