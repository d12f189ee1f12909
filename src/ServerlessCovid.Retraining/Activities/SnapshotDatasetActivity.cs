using System.Globalization;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Retraining.Datasets;
using ServerlessCovid.Retraining.Orchestration;

namespace ServerlessCovid.Retraining.Activities;

/// <summary>Freezes the labelled-image store into an immutable dataset manifest; refuses a dataset too small to learn from.</summary>
public sealed class SnapshotDatasetActivity(ILabelledImageSource source, RetrainingWorkspace workspace, TimeProvider clock)
    : RetrainingActivity<SnapshotInput, SnapshotResult>
{
    public override async Task<SnapshotResult> ExecuteAsync(SnapshotInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        IReadOnlyList<DatasetItem> items = await source.FreezeAsync(cancellationToken).ConfigureAwait(false);
        DatasetManifest manifest = await workspace.WriteManifestOnceAsync(
            RetrainingWorkspace.SnapshotBlob(input.RunId),
            new DatasetManifest
            {
                DatasetId = input.RunId,
                CreatedUtc = clock.GetUtcNow(),
                SourceContainer = source.SourceName,
                Items = [.. items.OrderBy(i => i.Blob, StringComparer.Ordinal)],
            },
            cancellationToken).ConfigureAwait(false);

        IReadOnlyDictionary<string, int> perClass = manifest.CountPerClass();
        string[] shortOf = [.. perClass.Where(c => c.Value < input.MinImagesPerClass)
            .Select(c => string.Create(CultureInfo.InvariantCulture, $"'{c.Key}' has {c.Value}"))];
        DatasetRef dataset = new(manifest.DatasetId, RetrainingWorkspace.SnapshotBlob(input.RunId), manifest.Items.Count, perClass);
        if (shortOf.Length > 0)
        {
            string reason = string.Create(
                CultureInfo.InvariantCulture,
                $"Too few labelled images: {string.Join(", ", shortOf)}; at least {input.MinImagesPerClass} per class "
                + $"({string.Join(", ", ClassNames.InOutputOrder)}) are required (Retraining:MinImagesPerClass).");
            return new SnapshotResult(dataset, reason);
        }

        return new SnapshotResult(dataset, null);
    }
}
