namespace ServerlessCovid.Retraining.Datasets;

/// <summary>
/// The labelled-image store as retraining sees it: freeze its current content, and read a frozen image back.
/// Kept this small so the store's own implementation (issue 6's Core service) can sit behind it.
/// </summary>
public interface ILabelledImageSource
{
    /// <summary>Name of the container (or store) the items come from, recorded in the dataset manifest.</summary>
    string SourceName { get; }

    /// <summary>Lists every labelled image with a known class and pins each one (blob snapshot).</summary>
    Task<IReadOnlyList<DatasetItem>> FreezeAsync(CancellationToken cancellationToken = default);

    /// <summary>Downloads the pinned content of <paramref name="item"/> to <paramref name="path"/>.</summary>
    Task DownloadAsync(DatasetItem item, string path, CancellationToken cancellationToken = default);
}
