using ServerlessCovid.Core.Models;
using ServerlessCovid.Retraining.Evaluation;

namespace ServerlessCovid.Retraining.Tests.Support;

/// <summary>
/// The real evaluator (reports, AUC and its interval all real), except that the challenger's operating point is the
/// one of the incident that motivated the publish floor: threshold 0.00015, sensitivity 1, specificity 0.
/// </summary>
public sealed class IncidentEvaluator(IModelEvaluator inner) : IModelEvaluator
{
    public const double Threshold = 0.00015;

    public async Task<ModelEvaluation> EvaluateAsync(
        ModelPackage package,
        MaterializedDataset dataset,
        IReadOnlyList<EpochMetrics>? history,
        bool chooseThreshold,
        string reportDirectory,
        CancellationToken cancellationToken)
    {
        ModelEvaluation real = await inner.EvaluateAsync(package, dataset, history, chooseThreshold, reportDirectory, cancellationToken);
        return chooseThreshold
            ? real with { OperatingThreshold = Threshold, SensitivityAtThreshold = 1.0, SpecificityAtThreshold = 0.0 }
            : real;
    }
}
