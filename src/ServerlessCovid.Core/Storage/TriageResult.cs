using System.Text.Json.Serialization;
using ServerlessCovid.Core.Inference;

namespace ServerlessCovid.Core.Storage;

/// <summary>
/// What happened to one image: scored, rejected as bad input (never retried), failed, or pending (kept until a
/// model can score it; the reconciliation sweep turns it into one of the others).
/// </summary>
public enum TriageStatus
{
    Scored,
    Rejected,
    Failed,
    Pending,
}

/// <summary>
/// One row of the results table: every image a hospital sends ends as exactly one of these. Holds no patient data
/// beyond what the hospital put in the blob name (<see cref="SourceName"/>).
/// </summary>
public sealed record TriageResult
{
    public const string HttpSource = "http";

    public required string Hospital { get; init; }

    /// <summary>Stable id (see <see cref="ResultIds"/>): a re-delivery of the same image overwrites this row.</summary>
    public required string Id { get; init; }

    public required TriageStatus Status { get; init; }

    /// <summary>The blob URI for blob-triggered results, <see cref="HttpSource"/> for HTTP uploads.</summary>
    public required string Source { get; init; }

    /// <summary>The blob name below the hospital folder, as the hospital chose it; null for HTTP uploads.</summary>
    public string? SourceName { get; init; }

    /// <summary>Where the image bytes are kept (container and blob name), so labelling can copy them later.</summary>
    public string? ImageContainer { get; init; }

    public string? ImageBlobName { get; init; }

    public string? ContentSha256 { get; init; }

    public string? ImageFormat { get; init; }

    public int? ImageWidth { get; init; }

    public int? ImageHeight { get; init; }

    public long? ImageBytes { get; init; }

    /// <summary>For a scored DICOM input, its acquisition (modality, view, photometric, transfer syntax); never patient data.</summary>
    public Imaging.Dicom.DicomAcquisition? Dicom { get; init; }

    /// <summary>Predicted label (scored results only).</summary>
    public string? Label { get; init; }

    public IReadOnlyDictionary<string, double>? Probabilities { get; init; }

    public string? PositiveClass { get; init; }

    public double? Threshold { get; init; }

    public string? ModelVersion { get; init; }

    public string? ModelSha256 { get; init; }

    public string? PreprocessingId { get; init; }

    public StageTimings? Timings { get; init; }

    /// <summary>
    /// Blob name of the heat-map overlay in the heat-map container; null when the model has no <c>cam</c> output
    /// (older packages) or the result was not scored.
    /// </summary>
    public string? HeatMapBlobName { get; init; }

    /// <summary>The positive class's raw activation grid (8×8 for NASNet at 256 px) behind the heat map.</summary>
    public ActivationMap? ActivationMap { get; init; }

    /// <summary>When this image was first recorded; a re-delivery of identical bytes keeps it.</summary>
    public required DateTimeOffset CreatedUtc { get; init; }

    /// <summary>When this row was last written (re-scored, re-delivered, labelled).</summary>
    public DateTimeOffset UpdatedUtc { get; init; }

    /// <summary><see cref="Imaging.ImageErrorCodes"/> for rejected images, a failure or pending code otherwise.</summary>
    public string? ErrorCode { get; init; }

    public string? ErrorReason { get; init; }

    /// <summary>The label a clinician confirmed, which feeds retraining.</summary>
    public string? ConfirmedLabel { get; init; }

    public string? LabelledBy { get; init; }

    public DateTimeOffset? LabelledUtc { get; init; }

    /// <summary>Blob name in the labelled-image store once the confirmed label was copied there.</summary>
    public string? LabelledImageBlobName { get; init; }

    [JsonIgnore]
    public bool IsScored => Status == TriageStatus.Scored;
}

/// <summary>Codes of <see cref="TriageStatus.Failed"/> rows.</summary>
public static class TriageFailureCodes
{
    /// <summary>The Functions host gave up on the blob after its retry limit (poison queue).</summary>
    public const string RetriesExhausted = "retries_exhausted";

    /// <summary>The blob was deleted between its trigger (or its pending row) and its download.</summary>
    public const string BlobMissing = "blob_missing";
}

/// <summary>Codes of <see cref="TriageStatus.Pending"/> rows.</summary>
public static class TriagePendingCodes
{
    /// <summary>No model could be served when the blob arrived; the reconciliation sweep scores it once one is.</summary>
    public const string NoModel = "no_model";
}
