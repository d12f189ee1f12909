using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Evaluation;
using ServerlessCovid.Core.Evaluation.Audit;
using ServerlessCovid.Core.Evaluation.Report;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Retraining.Evaluation;

/// <summary>
/// Scores with serving's <see cref="OnnxXrayClassifier"/> (ONNX Runtime, same preprocessing), chooses the operating
/// threshold with <see cref="OperatingThresholdSelector"/>, and writes the report with <see cref="EvaluationReportWriter"/>.
/// A session of its own per evaluation: evaluating a champion or challenger must never swap the model being served.
/// </summary>
public sealed partial class OnnxModelEvaluator(
    OnnxSessionFactory sessions,
    XrayPreprocessor preprocessor,
    IOptions<InferenceOptions> inferenceOptions,
    EvaluationReportWriter reports,
    ILogger<OnnxXrayClassifier> classifierLogger,
    ILogger<OnnxModelEvaluator> logger) : IModelEvaluator
{
    private const int BatchSize = 8;

    public async Task<ModelEvaluation> EvaluateAsync(
        ModelPackage package,
        MaterializedDataset dataset,
        IReadOnlyList<EpochMetrics>? history,
        bool chooseThreshold,
        string reportDirectory,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(package);
        ArgumentNullException.ThrowIfNull(dataset);
        IReadOnlyList<LabelledFile> images = dataset.Validation;
        double[][] probabilities = await ScoreAsync(package, images, cancellationToken).ConfigureAwait(false);
        ScoredSet scored = ScoredSet.FromLabelNames(package.Manifest.ClassNames, [.. images.Select(i => i.Label)], probabilities);

        double threshold = package.Manifest.OperatingThreshold;
        string method = package.Manifest.ThresholdMethod;
        if (chooseThreshold)
        {
            try
            {
                OperatingThresholdSelection selection = OperatingThresholdSelector.Select(
                    scored, new ThresholdSelectionOptions { PositiveClass = package.Manifest.PositiveClass });
                (threshold, method) = (selection.Threshold, selection.Method);
            }
            catch (EvaluationInputException ex)
            {
                (threshold, method) = (0.5, $"default ({ex.Message})");
            }
        }

        EvaluatedModel model = new(package.Manifest.Version, package.Manifest.OnnxSha256, package.Manifest.PositiveClass, threshold, method);
        EvaluationInput input = new(model, $"dataset {dataset.Manifest.DatasetId} (validation split)", scored)
        {
            History = history ?? [],
            AuditItems = Audit(dataset),
        };
        EvaluationMetrics metrics = await reports.WriteAsync(input, reportDirectory, cancellationToken).ConfigureAwait(false);
        ModelEvaluationSummary summary = metrics.ToSummary();
        LogEvaluated(logger, model.Version, summary.Samples, summary.PositiveClassAuc, summary.SensitivityAtThreshold, threshold);
        return new ModelEvaluation(
            summary.PositiveClassAuc,
            summary.SensitivityAtThreshold,
            summary.SpecificityAtThreshold,
            summary.Accuracy,
            summary.Loss,
            summary.Samples,
            threshold,
            method,
            summary.PositiveClassAucLowerBound,
            summary.SamplesPerClass ?? new Dictionary<string, int>());
    }

    /// <summary>Scores through serving's own classifier (preprocessing, signature checks, batching), in a private instance.</summary>
    private async Task<double[][]> ScoreAsync(ModelPackage package, IReadOnlyList<LabelledFile> images, CancellationToken cancellationToken)
    {
        using OnnxXrayClassifier classifier = new(sessions, preprocessor, inferenceOptions, classifierLogger);
        classifier.Activate(package);
        List<double[]> rows = new(images.Count);
        foreach (LabelledFile[] batch in images.Chunk(BatchSize))
        {
            ReadOnlyMemory<byte>[] bytes = new ReadOnlyMemory<byte>[batch.Length];
            for (int i = 0; i < batch.Length; i++)
            {
                bytes[i] = await File.ReadAllBytesAsync(batch[i].Path, cancellationToken).ConfigureAwait(false);
            }

            IReadOnlyList<BatchItemResult> results = await classifier.ScoreBatchAsync(bytes, cancellationToken).ConfigureAwait(false);
            for (int i = 0; i < batch.Length; i++)
            {
                TriagePrediction prediction = results[i].Prediction ?? throw new PermanentRetrainingException(
                    $"Validation image {batch[i].Path} cannot be scored ({results[i].ErrorCode}): {results[i].ErrorReason}");
                rows.Add([.. package.Manifest.ClassNames.Select(c => Math.Clamp(prediction.Probabilities[c], 0, 1))]);
            }
        }

        return [.. rows];
    }

    /// <summary>Every image of both sides, so the audit can flag duplicates across the split and single-source classes.</summary>
    private static List<AuditItem> Audit(MaterializedDataset dataset)
    {
        List<AuditItem> items = [];
        foreach ((IReadOnlyList<LabelledFile> files, string split) in new[] { (dataset.Training, "train"), (dataset.Validation, "validation") })
        {
            foreach (LabelledFile file in files)
            {
                ImageFingerprint fingerprint = ImageFingerprint.Compute(File.ReadAllBytes(file.Path));
                items.Add(new AuditItem(
                    Path.GetFileName(file.Path), file.Label, split, file.Source, file.GroupId, fingerprint));
            }
        }

        return items;
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Evaluated {Version} on {Samples} validation images: AUC {Auc:F4}, sensitivity {Sensitivity:F4} at threshold {Threshold:F4}")]
    private static partial void LogEvaluated(ILogger logger, string version, int samples, double auc, double sensitivity, double threshold);
}
