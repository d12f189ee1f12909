using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Evaluation;
using ServerlessCovid.Core.Evaluation.Audit;
using ServerlessCovid.Core.Evaluation.Report;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Training;

namespace ServerlessCovid.Cli.Commands;

/// <summary>
/// The evaluation report `covid train` writes for its own validation split: the exported ONNX model is scored through
/// serving's classifier (so the report describes what would be served), with the training history and a dataset
/// audit of both sides of the split.
/// </summary>
internal static class TrainingReport
{
    public static async Task<EvaluationMetrics> WriteAsync(
        ModelPackage package, TrainingOutcome outcome, string reportDirectory, InferenceOptions inference, CancellationToken cancellationToken)
    {
        using OnnxXrayClassifier classifier = new(
            new OnnxSessionFactory(Options.Create(inference), NullLogger<OnnxSessionFactory>.Instance),
            XrayPreprocessor.Default,
            Options.Create(inference),
            NullLogger<OnnxXrayClassifier>.Instance);
        classifier.Activate(package);
        LabelledFolderScores validation = await LabelledFolderScorer.ScoreFilesAsync(
            classifier, [.. outcome.Split.Validation.Select(i => (i.Path, i.Label))], "validation", batchSize: 8,
            cancellationToken: cancellationToken).ConfigureAwait(false);

        EvaluationInput input = new(
            EvaluatedModel.FromManifest(package.Manifest),
            $"training run {package.Manifest.Version} (validation split, {outcome.Split.Method})",
            validation.Scores)
        {
            History = outcome.History,
            AuditItems = [.. TrainingAudit(outcome.Split.Training), .. validation.AuditItems],
            RejectedImages = validation.Rejected,
        };
        return await EvaluationReportWriter.Create().WriteAsync(input, reportDirectory, cancellationToken).ConfigureAwait(false);
    }

    private static IEnumerable<AuditItem> TrainingAudit(IEnumerable<LabelledImage> images)
    {
        foreach (LabelledImage image in images)
        {
            ImageFingerprint fingerprint = ImageFingerprint.Compute(File.ReadAllBytes(image.Path));
            yield return new AuditItem(
                Path.GetFileName(image.Path), image.Label, "train", Source: null, image.GroupId, fingerprint);
        }
    }
}
