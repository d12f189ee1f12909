using ServerlessCovid.Retraining.Datasets;
using ServerlessCovid.Retraining.Orchestration;
using ServerlessCovid.Training.Training;
using TrainingSplit = ServerlessCovid.Training.Training.DatasetSplit;

namespace ServerlessCovid.Retraining.Activities;

/// <summary>
/// Splits the snapshot about 70/30 per class, grouped by patient when every image has a patient id, and records it in
/// the dataset manifest; the trainer is handed exactly this split. The side of each image (or patient) comes from a
/// hash of the seed and its name, so labels added later never move a champion's training images into the
/// validation set its challengers and the champion itself are scored on (<see cref="DatasetSplitter.Stable"/>).
/// </summary>
public sealed class SplitDatasetActivity(RetrainingWorkspace workspace) : RetrainingActivity<SplitInput, SplitResult>
{
    public override async Task<SplitResult> ExecuteAsync(SplitInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        DatasetManifest snapshot = await workspace.ReadManifestAsync(input.Dataset.ManifestBlob, cancellationToken).ConfigureAwait(false);
        Dictionary<string, DatasetItem> byPath = snapshot.Items.ToDictionary(i => workspace.LocalImagePath(snapshot.DatasetId, i), StringComparer.Ordinal);
        LabelledImage[] images = [.. byPath.Select(p => new LabelledImage(p.Key, p.Value.Label, p.Value.GroupId, StableKey(p.Value)))];
        bool grouped = images.Length > 0 && images.All(i => !string.IsNullOrWhiteSpace(i.GroupId));
        TrainingSplit split;
        try
        {
            split = DatasetSplitter.Stable(images, input.ValidationFraction, input.Seed, grouped);
        }
        catch (InvalidDatasetException ex)
        {
            throw new PermanentRetrainingException($"Dataset {snapshot.DatasetId} cannot be split: {ex.Message}", ex);
        }

        HashSet<string> validation = [.. split.Validation.Select(i => i.Path)];
        DatasetItem[] items = [.. byPath.Select(p => p.Value with
        {
            Subset = validation.Contains(p.Key) ? DatasetSubset.Validation : DatasetSubset.Training,
        }).OrderBy(i => i.Blob, StringComparer.Ordinal)];
        DatasetManifest manifest = snapshot with
        {
            Items = items,
            Split = new Datasets.DatasetSplit(
                grouped ? $"{DatasetSplitter.StableMethod}, per-class, grouped-by-patient" : $"{DatasetSplitter.StableMethod}, per-class",
                input.ValidationFraction,
                input.Seed,
                grouped,
                split.Training.Count,
                split.Validation.Count),
        };
        EnsureBothClassesOnBothSides(manifest);
        string blob = RetrainingWorkspace.SplitManifestBlob(snapshot.DatasetId);
        manifest = await workspace.WriteManifestOnceAsync(blob, manifest, cancellationToken).ConfigureAwait(false);
        return new SplitResult(
            input.Dataset with { ManifestBlob = blob },
            manifest.Split!.TrainingImages,
            manifest.Split.ValidationImages,
            manifest.Split.GroupedByPatient,
            manifest.Items.Where(i => i.Subset == DatasetSubset.Validation)
                .GroupBy(i => i.Label, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal));
    }

    /// <summary>
    /// The labelled blob's name without its <c>{label}/</c> folder (<c>{hospital}/{id}.{ext}</c>): a relabelled image
    /// keeps its side of the split.
    /// </summary>
    internal static string StableKey(DatasetItem item) => item.Blob[(item.Blob.IndexOf('/', StringComparison.Ordinal) + 1)..];

    /// <summary>AUC and sensitivity are undefined on a side without both classes: say which class to label more of.</summary>
    private static void EnsureBothClassesOnBothSides(DatasetManifest split)
    {
        foreach (DatasetSubset subset in new[] { DatasetSubset.Training, DatasetSubset.Validation })
        {
            foreach (string label in Core.Models.ClassNames.InOutputOrder)
            {
                if (!split.Items.Any(i => i.Subset == subset && i.Label == label))
                {
                    throw new PermanentRetrainingException(
                        $"The {subset.ToString().ToLowerInvariant()} split has no '{label}' image; label more images (or patients) of that class.");
                }
            }
        }
    }
}
