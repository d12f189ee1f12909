using ServerlessCovid.Core.Models;
using ServerlessCovid.Retraining.Datasets;
using ServerlessCovid.Retraining.Evaluation;
using ServerlessCovid.Retraining.Orchestration;
using ServerlessCovid.Retraining.Training;

namespace ServerlessCovid.Retraining.Activities;

/// <summary>
/// Scores the exported candidate on the validation split (ONNX Runtime: what would be served), writes the full
/// report, chooses the operating threshold, and stamps threshold and headline metrics into the candidate manifest.
/// </summary>
public sealed class EvaluateChallengerActivity(
    IModelEvaluator evaluator,
    IChallengerTrainer trainer,
    ILabelledImageSource source,
    RetrainingWorkspace workspace) : RetrainingActivity<EvaluateInput, ModelScore>
{
    public override async Task<ModelScore> ExecuteAsync(EvaluateInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        DatasetManifest manifest = await workspace.ReadManifestAsync(input.Dataset.ManifestBlob, cancellationToken).ConfigureAwait(false);
        MaterializedDataset dataset = await workspace.MaterializeAsync(manifest, source, cancellationToken).ConfigureAwait(false);
        string candidate = RetrainingWorkspace.ResetDirectory(workspace.LocalRunDirectory(input.RunId, "candidate"));
        await workspace.DownloadPrefixAsync(RetrainingWorkspace.CandidatePrefix(input.RunId), candidate, cancellationToken).ConfigureAwait(false);
        string checkpoints = RetrainingWorkspace.ResetDirectory(workspace.LocalRunDirectory(input.RunId, "checkpoints"));
        await workspace.DownloadPrefixAsync(RetrainingWorkspace.CheckpointPrefix(input.RunId), checkpoints, cancellationToken).ConfigureAwait(false);
        ModelPackage package = ModelPackage.LoadFromDirectory(candidate);

        string report = RetrainingWorkspace.ResetDirectory(workspace.LocalRunDirectory(input.RunId, "report"));
        ModelEvaluation evaluation = await evaluator.EvaluateAsync(
            package, dataset, trainer.ReadHistory(checkpoints), chooseThreshold: true, report, cancellationToken).ConfigureAwait(false);

        ModelPackage stamped = ModelPackage.Create(
            package.Manifest with
            {
                OperatingThreshold = evaluation.OperatingThreshold,
                ThresholdMethod = evaluation.ThresholdMethod,
                Evaluation = new ModelEvaluationSummary
                {
                    Accuracy = evaluation.Accuracy,
                    PositiveClassAuc = evaluation.PositiveClassAuc,
                    SensitivityAtThreshold = evaluation.SensitivityAtThreshold,
                    SpecificityAtThreshold = evaluation.SpecificityAtThreshold,
                    Loss = evaluation.Loss,
                    Samples = evaluation.Samples,
                    PositiveClassAucLowerBound = evaluation.PositiveClassAucLowerBound,
                    SamplesPerClass = evaluation.SamplesPerClass,
                },
            },
            package.Onnx.ToArray(),
            package.Weights?.ToArray());
        stamped.SaveToDirectory(candidate);
        await workspace.UploadDirectoryAsync(candidate, RetrainingWorkspace.CandidatePrefix(input.RunId), cancellationToken).ConfigureAwait(false);
        await workspace.UploadDirectoryAsync(report, RetrainingWorkspace.ReportPrefix(input.RunId), cancellationToken).ConfigureAwait(false);
        return ToScore(stamped.Manifest.Version, evaluation, RetrainingWorkspace.ReportPrefix(input.RunId));
    }

    internal static ModelScore ToScore(string version, ModelEvaluation evaluation, string reportPrefix) => new(
        version,
        evaluation.PositiveClassAuc,
        evaluation.SensitivityAtThreshold,
        evaluation.SpecificityAtThreshold,
        evaluation.Accuracy,
        evaluation.OperatingThreshold,
        evaluation.Samples,
        reportPrefix,
        evaluation.PositiveClassAucLowerBound,
        evaluation.SamplesPerClass);
}
