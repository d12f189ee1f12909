using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Retraining.Evaluation;

/// <summary>
/// Metrics of one package on one labelled set, plus the threshold it was scored at. <see cref="PositiveClassAucLowerBound"/>
/// is the lower end of the AUC's 95% stratified bootstrap interval (null when undefined).
/// </summary>
public sealed record ModelEvaluation(
    double PositiveClassAuc,
    double SensitivityAtThreshold,
    double SpecificityAtThreshold,
    double Accuracy,
    double Loss,
    int Samples,
    double OperatingThreshold,
    string ThresholdMethod,
    double? PositiveClassAucLowerBound,
    IReadOnlyDictionary<string, int> SamplesPerClass);

/// <summary>
/// Scores a model package on a dataset's validation split with ONNX Runtime (the artifact that would be served, not
/// the training model) and writes the full report (metrics.json, report.html, figures, dataset audit) into a folder.
/// </summary>
public interface IModelEvaluator
{
    /// <summary>
    /// <c>chooseThreshold</c> is true for a challenger (pick its operating threshold on this set) and false for the
    /// champion (keep the threshold it was published with, since that is what serving uses).
    /// </summary>
    Task<ModelEvaluation> EvaluateAsync(
        ModelPackage package,
        MaterializedDataset dataset,
        IReadOnlyList<EpochMetrics>? history,
        bool chooseThreshold,
        string reportDirectory,
        CancellationToken cancellationToken);
}
