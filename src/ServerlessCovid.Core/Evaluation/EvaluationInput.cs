using ServerlessCovid.Core.Evaluation.Audit;
using ServerlessCovid.Core.Evaluation.Localisation;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Evaluation;

/// <summary>
/// What a report is made of: the model, its scores on a labelled set, optionally the training history (Figs. 4–6)
/// and the dataset's items for the audit. Without history or audit items those sections say they are absent.
/// </summary>
public sealed record EvaluationInput(EvaluatedModel Model, string DatasetName, ScoredSet Scores)
{
    public IReadOnlyList<EpochMetrics> History { get; init; } = [];

    public IReadOnlyList<AuditItem> AuditItems { get; init; } = [];

    /// <summary>Images of the set that could not be scored; reported, never silently dropped.</summary>
    public IReadOnlyList<RejectedImage> RejectedImages { get; init; } = [];

    /// <summary>
    /// The image file behind each scored sample, in <see cref="Scores"/>' order, for the report's gallery of
    /// misclassified thumbnails; empty (no gallery) when the caller scored images it does not hold as files.
    /// </summary>
    public IReadOnlyList<string> ImagePaths { get; init; } = [];

    /// <summary>
    /// The positive class's activation map of each scored sample, in <see cref="Scores"/>' order (null entries for a
    /// model without a <c>cam</c> output); with <see cref="ImagePaths"/> the gallery shows each image's heat map.
    /// </summary>
    public IReadOnlyList<ActivationMap?> ActivationMaps { get; init; } = [];

    /// <summary>
    /// Ground-truth masks of each sample, in <see cref="Scores"/>' order (null entries for none); empty when the set has
    /// no masks, which leaves the localisation section out.
    /// </summary>
    public IReadOnlyList<GroundTruthMasks?> Masks { get; init; } = [];
}
