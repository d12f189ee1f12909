using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using ServerlessCovid.Core.Evaluation;
using ServerlessCovid.Core.Evaluation.Audit;
using ServerlessCovid.Core.Evaluation.Report;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Retraining.Evaluation;

/// <summary>
/// Scores with ONNX Runtime and the serving preprocessor (<see cref="XrayPreprocessor"/>), chooses the operating
/// threshold with <see cref="OperatingThresholdSelector"/>, and writes the report with <see cref="EvaluationReportWriter"/>.
/// A session of its own per evaluation: evaluating a champion or challenger must never swap the model being served.
/// </summary>
public sealed partial class OnnxModelEvaluator(
    OnnxSessionFactory sessions,
    EvaluationReportWriter reports,
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
        double[][] probabilities = await Task.Run(() => Score(package, images, cancellationToken), cancellationToken).ConfigureAwait(false);
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
            method);
    }

    private double[][] Score(ModelPackage package, IReadOnlyList<LabelledFile> images, CancellationToken cancellationToken)
    {
        using OnnxSession session = sessions.Create(package.Onnx);
        XrayPreprocessor preprocessor = XrayPreprocessor.Default;
        int classes = package.Manifest.ClassNames.Count;
        List<double[]> rows = new(images.Count);
        foreach (LabelledFile[] batch in images.Chunk(BatchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            float[] input = new float[batch.Length * Preprocessing.ValuesPerImage];
            for (int i = 0; i < batch.Length; i++)
            {
                preprocessor.LoadTensor(batch[i].Path, input.AsSpan(i * Preprocessing.ValuesPerImage, Preprocessing.ValuesPerImage));
            }

            long[] shape = [batch.Length, Preprocessing.Channels, Preprocessing.Size, Preprocessing.Size];
            using OrtValue tensor = OrtValue.CreateTensorValueFromMemory(input, shape);
            using RunOptions runOptions = new();
            using IDisposableReadOnlyCollection<OrtValue> outputs = session.Session.Run(
                runOptions, [package.Manifest.InputName], [tensor], [package.Manifest.OutputName]);
            ReadOnlySpan<float> output = outputs[0].GetTensorDataAsSpan<float>();
            for (int i = 0; i < batch.Length; i++)
            {
                double[] row = new double[classes];
                for (int c = 0; c < classes; c++)
                {
                    row[c] = Math.Clamp(output[(i * classes) + c], 0f, 1f);
                }

                rows.Add(row);
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
                    Path.GetFileName(file.Path), file.Label, split, file.Source, file.GroupId, fingerprint.ContentSha256, fingerprint.PerceptualHash));
            }
        }

        return items;
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Evaluated {Version} on {Samples} validation images: AUC {Auc:F4}, sensitivity {Sensitivity:F4} at threshold {Threshold:F4}")]
    private static partial void LogEvaluated(ILogger logger, string version, int samples, double auc, double sensitivity, double threshold);
}
