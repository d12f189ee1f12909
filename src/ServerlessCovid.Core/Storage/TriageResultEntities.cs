using System.Globalization;
using Azure.Data.Tables;
using ServerlessCovid.Core.Explainability;
using ServerlessCovid.Core.Imaging.Dicom;
using ServerlessCovid.Core.Inference;

namespace ServerlessCovid.Core.Storage;

/// <summary>
/// Maps results to table entities. Each result is stored twice in its hospital's partition, in one transaction:
/// the main row (row key = result id, for point reads and idempotent writes) and an index row whose row key is
/// <c>idx_{inverted ticks of CreatedUtc}_{id}</c>, because Table Storage only sorts ascending by row key and
/// "newest first" with date ranges and continuation tokens must come from the service, not from sorting a page.
/// The main row carries every column. The index row is slim: keys, <c>ResultId</c>, <c>CreatedUtc</c> and the
/// listing's filter and display columns that only change when the whole result is rewritten (<see cref="ToIndexEntity"/>),
/// so nothing it holds can drift from the main row. Listing reads index rows for order and paging, then the main rows
/// for content; it never reads result fields off an index row, so older full-width index rows list the same.
/// </summary>
internal static class TriageResultEntities
{
    public const string IndexPrefix = "idx_";

    public const string IndexRowKeyColumn = "IndexRowKey";

    private const string ProbabilityPrefix = "Probability_";

    /// <summary>The grid as compact JSON (<see cref="ActivationMapJson"/>), well under a string column's 64 KiB.</summary>
    private const string ActivationMapColumn = "ActivationMap";

    private const string DicomModalityColumn = "DicomModality";
    private const string DicomViewPositionColumn = "DicomViewPosition";
    private const string DicomPhotometricColumn = "DicomPhotometricInterpretation";
    private const string DicomTransferSyntaxColumn = "DicomTransferSyntaxUid";
    private const string DicomUidHashColumn = "DicomSopInstanceUidHash";

    public static string IndexRowKey(DateTimeOffset createdUtc, string id) => $"{IndexPrefix}{InvertedTicks(createdUtc)}_{id}";

    /// <summary>Row key bound such that every index row created at or after <paramref name="time"/> sorts below it.</summary>
    public static string IndexBoundAfter(DateTimeOffset time) => $"{IndexPrefix}{InvertedTicks(time)}_~";

    /// <summary>Row key bound such that every index row created before <paramref name="time"/> sorts at or above it.</summary>
    public static string IndexBoundBefore(DateTimeOffset time) =>
        $"{IndexPrefix}{(DateTimeOffset.MaxValue.UtcTicks - time.UtcTicks + 1).ToString("D19", CultureInfo.InvariantCulture)}";

    public static TableEntity ToEntity(TriageResult result)
    {
        TableEntity entity = new(result.Hospital, result.Id)
        {
            ["ResultId"] = result.Id,
            ["Status"] = StatusName(result.Status),
            ["Source"] = result.Source,
            ["CreatedUtc"] = result.CreatedUtc,
            ["UpdatedUtc"] = result.UpdatedUtc,
            [IndexRowKeyColumn] = IndexRowKey(result.CreatedUtc, result.Id),
        };
        Set(entity, "SourceName", result.SourceName);
        Set(entity, "ImageContainer", result.ImageContainer);
        Set(entity, "ImageBlobName", result.ImageBlobName);
        Set(entity, "ContentSha256", result.ContentSha256);
        Set(entity, "ImageFormat", result.ImageFormat);
        Set(entity, "ImageWidth", result.ImageWidth);
        Set(entity, "ImageHeight", result.ImageHeight);
        Set(entity, "ImageBytes", result.ImageBytes);
        SetDicom(entity, result.Dicom);
        Set(entity, "Label", result.Label);
        Set(entity, "PositiveClass", result.PositiveClass);
        Set(entity, "Threshold", result.Threshold);
        Set(entity, "ModelVersion", result.ModelVersion);
        Set(entity, "ModelSha256", result.ModelSha256);
        Set(entity, "PreprocessingId", result.PreprocessingId);
        Set(entity, "ErrorCode", result.ErrorCode);
        Set(entity, "ErrorReason", result.ErrorReason);
        Set(entity, "ConfirmedLabel", result.ConfirmedLabel);
        Set(entity, "LabelledBy", result.LabelledBy);
        Set(entity, "LabelledUtc", result.LabelledUtc);
        Set(entity, "LabelledImageBlobName", result.LabelledImageBlobName);
        Set(entity, "HeatMapBlobName", result.HeatMapBlobName);
        Set(entity, ActivationMapColumn, result.ActivationMap is null ? null : ActivationMapJson.Serialize(result.ActivationMap));
        if (result.Timings is { } timings)
        {
            entity["DecodeMs"] = timings.DecodeMs;
            entity["PreprocessMs"] = timings.PreprocessMs;
            entity["InferenceMs"] = timings.InferenceMs;
            entity["TotalMs"] = timings.TotalMs;
        }

        foreach ((string className, double probability) in result.Probabilities ?? new Dictionary<string, double>())
        {
            entity[ProbabilityPrefix + className] = probability;
        }

        return entity;
    }

    /// <summary>
    /// The newest-first index row. Its columns are written only in the same transaction as the main row and none can
    /// change on its own (labels, error text, image metadata and all probabilities live only in the main row); Status
    /// and Label are here because listing filters on them on the service side.
    /// </summary>
    public static TableEntity ToIndexEntity(TriageResult result)
    {
        TableEntity entity = new(result.Hospital, IndexRowKey(result.CreatedUtc, result.Id))
        {
            ["ResultId"] = result.Id,
            ["CreatedUtc"] = result.CreatedUtc,
            ["Status"] = StatusName(result.Status),
        };
        Set(entity, "Label", result.Label);
        Set(entity, "PositiveClass", result.PositiveClass);
        if (result.PositiveClass is { } positive && result.Probabilities?.TryGetValue(positive, out double p) == true)
        {
            entity["PositiveProbability"] = p;
        }

        Set(entity, "Threshold", result.Threshold);
        Set(entity, "ModelVersion", result.ModelVersion);
        Set(entity, "SourceName", result.SourceName);
        Set(entity, "ErrorCode", result.ErrorCode);
        return entity;
    }

    /// <summary>The result id an index row points at, slim or full-width (older rows).</summary>
    public static string IndexedResultId(TableEntity indexRow) =>
        indexRow.GetString("ResultId") ?? indexRow.RowKey[(indexRow.RowKey.LastIndexOf('_') + 1)..];

    public static TriageResult FromEntity(TableEntity entity)
    {
        Dictionary<string, double> probabilities = [];
        foreach (KeyValuePair<string, object> column in entity)
        {
            if (column.Key.StartsWith(ProbabilityPrefix, StringComparison.Ordinal) && column.Value is double p)
            {
                probabilities[column.Key[ProbabilityPrefix.Length..]] = p;
            }
        }

        double? decode = entity.GetDouble("DecodeMs");
        return new TriageResult
        {
            Hospital = entity.PartitionKey,
            Id = entity.GetString("ResultId") ?? entity.RowKey,
            Status = ParseStatus(entity.GetString("Status")),
            Source = entity.GetString("Source") ?? string.Empty,
            SourceName = entity.GetString("SourceName"),
            ImageContainer = entity.GetString("ImageContainer"),
            ImageBlobName = entity.GetString("ImageBlobName"),
            ContentSha256 = entity.GetString("ContentSha256"),
            ImageFormat = entity.GetString("ImageFormat"),
            ImageWidth = entity.GetInt32("ImageWidth"),
            ImageHeight = entity.GetInt32("ImageHeight"),
            ImageBytes = entity.GetInt64("ImageBytes"),
            Dicom = GetDicom(entity),
            Label = entity.GetString("Label"),
            Probabilities = probabilities.Count == 0 ? null : probabilities,
            PositiveClass = entity.GetString("PositiveClass"),
            Threshold = entity.GetDouble("Threshold"),
            ModelVersion = entity.GetString("ModelVersion"),
            ModelSha256 = entity.GetString("ModelSha256"),
            PreprocessingId = entity.GetString("PreprocessingId"),
            Timings = decode is null
                ? null
                : new StageTimings(decode.Value, entity.GetDouble("PreprocessMs") ?? 0, entity.GetDouble("InferenceMs") ?? 0),
            CreatedUtc = entity.GetDateTimeOffset("CreatedUtc") ?? default,
            UpdatedUtc = entity.GetDateTimeOffset("UpdatedUtc") ?? default,
            ErrorCode = entity.GetString("ErrorCode"),
            ErrorReason = entity.GetString("ErrorReason"),
            ConfirmedLabel = entity.GetString("ConfirmedLabel"),
            LabelledBy = entity.GetString("LabelledBy"),
            LabelledUtc = entity.GetDateTimeOffset("LabelledUtc"),
            LabelledImageBlobName = entity.GetString("LabelledImageBlobName"),
            HeatMapBlobName = entity.GetString("HeatMapBlobName"),
            ActivationMap = ActivationMapJson.Parse(entity.GetString(ActivationMapColumn)),
        };
    }

    public static string StatusName(TriageStatus status) => status switch
    {
        TriageStatus.Scored => "scored",
        TriageStatus.Rejected => "rejected",
        TriageStatus.Failed => "failed",
        TriageStatus.Pending => "pending",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static TriageStatus ParseStatus(string? status) => status switch
    {
        "scored" => TriageStatus.Scored,
        "rejected" => TriageStatus.Rejected,
        "failed" => TriageStatus.Failed,
        "pending" => TriageStatus.Pending,
        _ => throw new InvalidDataException($"Unknown triage status '{status}' in the results table."),
    };

    private static string InvertedTicks(DateTimeOffset time) =>
        (DateTimeOffset.MaxValue.UtcTicks - time.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>Columns only for DICOM inputs, so rows of other formats stay as they were.</summary>
    private static void SetDicom(TableEntity entity, DicomAcquisition? dicom)
    {
        if (dicom is null)
        {
            return;
        }

        Set(entity, DicomModalityColumn, dicom.Modality);
        Set(entity, DicomViewPositionColumn, dicom.ViewPosition);
        entity[DicomPhotometricColumn] = dicom.PhotometricInterpretation;
        entity[DicomTransferSyntaxColumn] = dicom.TransferSyntaxUid;
        Set(entity, DicomUidHashColumn, dicom.SopInstanceUidHash);
    }

    private static DicomAcquisition? GetDicom(TableEntity entity) =>
        entity.GetString(DicomPhotometricColumn) is { } photometric && entity.GetString(DicomTransferSyntaxColumn) is { } syntax
            ? new DicomAcquisition(
                entity.GetString(DicomModalityColumn),
                entity.GetString(DicomViewPositionColumn),
                photometric,
                syntax,
                entity.GetString(DicomUidHashColumn))
            : null;

    private static void Set(TableEntity entity, string name, object? value)
    {
        if (value is not null)
        {
            entity[name] = value;
        }
    }
}
