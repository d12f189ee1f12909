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
    private const int BatchSize = 8;

    public static async Task<EvaluationMetrics> WriteAsync(
        ModelPackage package, TrainingOutcome outcome, string reportDirectory, CancellationToken cancellationToken)
    {
        IReadOnlyList<LabelledImage> validation = outcome.Split.Validation;
        using OnnxXrayClassifier classifier = new(
            new OnnxSessionFactory(Options.Create(new InferenceOptions()), NullLogger<OnnxSessionFactory>.Instance),
            XrayPreprocessor.Default,
            Options.Create(new InferenceOptions()),
            NullLogger<OnnxXrayClassifier>.Instance);
        classifier.Activate(package);

        List<string> labels = [];
        List<double[]> probabilities = [];
        List<RejectedImage> rejected = [];
        foreach (LabelledImage[] batch in validation.Chunk(BatchSize))
        {
            ReadOnlyMemory<byte>[] bytes = new ReadOnlyMemory<byte>[batch.Length];
            for (int i = 0; i < batch.Length; i++)
            {
                bytes[i] = await File.ReadAllBytesAsync(batch[i].Path, cancellationToken).ConfigureAwait(false);
            }

            IReadOnlyList<BatchItemResult> results = await classifier.ScoreBatchAsync(bytes, cancellationToken).ConfigureAwait(false);
            for (int i = 0; i < batch.Length; i++)
            {
                if (results[i].Prediction is { } prediction)
                {
                    labels.Add(batch[i].Label);
                    probabilities.Add([.. package.Manifest.ClassNames.Select(c => prediction.Probabilities[c])]);
                }
                else
                {
                    rejected.Add(new RejectedImage(batch[i].Path, results[i].ErrorCode ?? "unknown", results[i].ErrorReason ?? string.Empty));
                }
            }
        }

        EvaluationInput input = new(
            EvaluatedModel.FromManifest(package.Manifest),
            $"training run {package.Manifest.Version} (validation split, {outcome.Split.Method})",
            ScoredSet.FromLabelNames(package.Manifest.ClassNames, [.. labels], [.. probabilities]))
        {
            History = outcome.History,
            AuditItems = [.. Audit(outcome.Split.Training, "train"), .. Audit(validation, "validation")],
            RejectedImages = rejected,
        };
        return await EvaluationReportWriter.Create().WriteAsync(input, reportDirectory, cancellationToken).ConfigureAwait(false);
    }

    private static IEnumerable<AuditItem> Audit(IEnumerable<LabelledImage> images, string split)
    {
        foreach (LabelledImage image in images)
        {
            ImageFingerprint fingerprint = ImageFingerprint.Compute(File.ReadAllBytes(image.Path));
            yield return new AuditItem(
                Path.GetFileName(image.Path), image.Label, split, Source: null, image.GroupId, fingerprint.ContentSha256, fingerprint.PerceptualHash);
        }
    }
}
