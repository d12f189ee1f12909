using ServerlessCovid.Core.Imaging.Dicom;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Functions.Http;

/// <summary>
/// A result as the API shows it: storage details (containers, blob names) stay inside, and every response carries
/// the research-only disclaimer.
/// </summary>
public sealed record TriageResultResponse(
    string Id,
    string Hospital,
    string Status,
    string? Label,
    IReadOnlyDictionary<string, double>? Probabilities,
    string? PositiveClass,
    double? Threshold,
    string? ModelVersion,
    string? ModelSha256,
    string? PreprocessingId,
    string Source,
    string? SourceName,
    string? ContentSha256,
    ImageSummary? Image,
    StageTimings? Timings,
    DateTimeOffset CreatedUtc,
    DateTimeOffset UpdatedUtc,
    ErrorSummary? Error,
    string? ConfirmedLabel,
    string? LabelledBy,
    DateTimeOffset? LabelledUtc,
    HeatMapSummary? HeatMap,
    string Disclaimer)
{
    public static TriageResultResponse From(TriageResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new TriageResultResponse(
            result.Id,
            result.Hospital,
            result.Status.ToString().ToLowerInvariant(),
            result.Label,
            result.Probabilities,
            result.PositiveClass,
            result.Threshold,
            result.ModelVersion,
            result.ModelSha256,
            result.PreprocessingId,
            result.Source,
            result.SourceName,
            result.ContentSha256,
            result.ImageBytes is null && result.ImageWidth is null
                ? null
                : new ImageSummary(result.ImageFormat, result.ImageWidth, result.ImageHeight, result.ImageBytes, result.Dicom),
            result.Timings,
            result.CreatedUtc,
            result.UpdatedUtc,
            result.ErrorCode is null ? null : new ErrorSummary(result.ErrorCode, result.ErrorReason),
            result.ConfirmedLabel,
            result.LabelledBy,
            result.LabelledUtc,
            result.HeatMapBlobName is null ? null : new HeatMapSummary(GetResultHeatMap.Link(result.Hospital, result.Id), result.ActivationMap),
            Disclaimers.ResearchOnly);
    }
}

/// <summary>The scored image; <see cref="Dicom"/> only for DICOM inputs (acquisition, never patient attributes).</summary>
public sealed record ImageSummary(string? Format, int? Width, int? Height, long? Bytes, DicomAcquisition? Dicom);

public sealed record ErrorSummary(string Code, string? Reason);

/// <summary>
/// Where the result's heat-map PNG is served, and the raw activation grid behind it (positive class, row-major;
/// null only if it was too large to store). It shows where the model's evidence lies, not a diagnosis.
/// </summary>
public sealed record HeatMapSummary(string Link, ActivationMap? Grid);
