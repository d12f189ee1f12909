using ServerlessCovid.Retraining.Datasets;
using ServerlessCovid.Retraining.Orchestration;

namespace ServerlessCovid.Retraining.Activities;

/// <summary>Splits the snapshot 70/30 (stratified, grouped by patient) and records the split in the dataset manifest.</summary>
public sealed class SplitDatasetActivity(RetrainingWorkspace workspace) : RetrainingActivity<SplitInput, SplitResult>
{
    public override async Task<SplitResult> ExecuteAsync(SplitInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        DatasetManifest snapshot = await workspace.ReadManifestAsync(input.Dataset.ManifestBlob, cancellationToken).ConfigureAwait(false);
        DatasetManifest split = DatasetSplitter.Split(snapshot, input.ValidationFraction, input.Seed);
        DatasetSplitter.EnsureBothClassesOnBothSides(split);
        string blob = RetrainingWorkspace.SplitManifestBlob(snapshot.DatasetId);
        split = await workspace.WriteManifestOnceAsync(blob, split, cancellationToken).ConfigureAwait(false);
        return new SplitResult(
            input.Dataset with { ManifestBlob = blob },
            split.Split!.TrainingImages,
            split.Split.ValidationImages,
            split.Split.GroupedByPatient);
    }
}
