using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Retraining.Datasets;
using ServerlessCovid.Retraining.Evaluation;
using ServerlessCovid.Retraining.Orchestration;

namespace ServerlessCovid.Retraining.Activities;

/// <summary>
/// Scores the current model on the challenger's validation split, with its own published threshold, so the
/// comparison is like for like. Returns the ETag of <c>current.json</c> the publish step must still find.
/// </summary>
public sealed class ScoreChampionActivity(
    IModelRegistry registry,
    IModelEvaluator evaluator,
    ILabelledImageSource source,
    RetrainingWorkspace workspace) : RetrainingActivity<ChampionInput, ChampionResult>
{
    public override async Task<ChampionResult> ExecuteAsync(ChampionInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        CurrentModelPointer? current = await registry.GetCurrentAsync(cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            return new ChampionResult(null, null, null);
        }

        ModelPackage champion = await registry.LoadPackageAsync(current.Version, cancellationToken).ConfigureAwait(false);
        DatasetManifest manifest = await workspace.ReadManifestAsync(input.Dataset.ManifestBlob, cancellationToken).ConfigureAwait(false);
        MaterializedDataset dataset = await workspace.MaterializeAsync(manifest, source, cancellationToken).ConfigureAwait(false);
        string report = RetrainingWorkspace.ResetDirectory(workspace.LocalRunDirectory(input.RunId, "champion-report"));
        ModelEvaluation evaluation = await evaluator.EvaluateAsync(
            champion, dataset, history: null, chooseThreshold: false, report, cancellationToken).ConfigureAwait(false);
        await workspace.UploadDirectoryAsync(report, RetrainingWorkspace.ChampionReportPrefix(input.RunId), cancellationToken).ConfigureAwait(false);
        return new ChampionResult(
            current.Version,
            current.ETag,
            EvaluateChallengerActivity.ToScore(current.Version, evaluation, RetrainingWorkspace.ChampionReportPrefix(input.RunId)));
    }
}
