using System.Diagnostics;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Explainability;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Imaging.Dicom;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Observability;
using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Core.Triage;

/// <summary>
/// Turns every image a hospital sends into exactly one result row. Bad input (unreadable image, unusable name)
/// becomes a <see cref="TriageStatus.Rejected"/> row and is never retried; a blob that arrives while no model can be
/// served becomes a <see cref="TriageStatus.Pending"/> row that <see cref="ResultReconciler"/> scores later; anything
/// else (storage) is thrown so the Functions host retries, and <see cref="RecordBlobFailureAsync"/> records what the
/// host gave up on.
/// </summary>
public sealed partial class TriageService
{
    private readonly IXrayClassifier _classifier;
    private readonly CurrentModelProvider _models;
    private readonly TriageResultStore _results;
    private readonly StorageOptions _storage;
    private readonly RecreatingContainer _uploads;
    private readonly HeatMapStore _heatMaps;
    private readonly TimeProvider _time;
    private readonly ILogger<TriageService> _logger;
    private readonly long _maxBytes;
    private readonly string? _dicomUidSalt;

    public TriageService(
        IXrayClassifier classifier,
        CurrentModelProvider models,
        TriageResultStore results,
        BlobServiceClient blobs,
        IOptions<StorageOptions> storage,
        IOptions<ImageInputOptions> imaging,
        HeatMapStore heatMaps,
        TimeProvider time,
        ILogger<TriageService> logger)
    {
        ArgumentNullException.ThrowIfNull(imaging);
        _maxBytes = imaging.Value.MaxBytes;
        _dicomUidSalt = imaging.Value.DicomUidSalt;
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(storage);
        _classifier = classifier;
        _models = models;
        _results = results;
        _storage = storage.Value;
        _uploads = new RecreatingContainer(blobs.GetBlobContainerClient(_storage.UploadsContainer));
        _heatMaps = heatMaps;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Scores a blob of the x-ray container (<c>{hospital}/{name}</c>) and writes its row. A re-delivery of identical
    /// bytes already scored by the active model returns the stored row without scoring again. While no model can be
    /// served the blob gets a <see cref="TriageStatus.Pending"/> row instead of an exception, so the host does not
    /// spend its retries on it; <see cref="ResultReconciler"/> scores it once a model is published.
    /// </summary>
    /// <exception cref="TriageRequestException">The blob is not under a valid hospital folder: no row can be keyed.</exception>
    public async Task<TriageResult> TriageBlobAsync(BlobClient blob, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blob);
        using Activity? activity = TriageActivities.Start(TriageActivities.BlobTriage, ActivityKind.Consumer);
        return Traced(activity, await TriageBlobCoreAsync(blob, cancellationToken).ConfigureAwait(false));
    }

    private async Task<TriageResult> TriageBlobCoreAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        (string hospital, string rawName) = SplitHospital(blob.Name);
        string id = ResultIds.ForBlob(hospital, rawName);
        DateTimeOffset now = _time.GetUtcNow();
        XrayBlobName name;
        try
        {
            name = XrayBlobName.Parse(blob.Name);
        }
        catch (TriageRequestException ex)
        {
            LogRejected(_logger, hospital, id, ex.Code);
            return await WriteAsync(
                NewResult(hospital, id, TriageStatus.Rejected, blob.Uri.ToString(), now) with { ErrorCode = ex.Code, ErrorReason = ex.Message },
                cancellationToken).ConfigureAwait(false);
        }

        ModelManifest? model = await TryGetActiveModelAsync(hospital, id, cancellationToken).ConfigureAwait(false);

        // The duplicate check's read needs only the id, so it runs while the blob downloads.
        Task<TriageResult?> existingRead = ReadAsync(hospital, id, cancellationToken);
        byte[]? content;
        long length;
        try
        {
            (content, length) = await TracedDownloadAsync(blob, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The download's error is the one to report; the read must not end up as an unobserved exception.
            await ((Task)existingRead).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }

        if (content is null)
        {
            // A blob too large to read or already gone is recorded without the row; its read is only waited for.
            await ((Task)existingRead).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (content is null && length > _maxBytes)
        {
            // Refused from the blob's properties: a multi-gigabyte upload is never buffered in the worker. The size
            // limit does not depend on a model, so this holds while none is published too.
            LogRejected(_logger, hospital, id, ImageErrorCodes.TooLarge);
            return await WriteAsync(
                NewResult(hospital, id, TriageStatus.Rejected, blob.Uri.ToString(), now) with
                {
                    SourceName = name.Name,
                    ImageBytes = length,
                    ModelVersion = model?.Version,
                    ModelSha256 = model?.OnnxSha256,
                    ErrorCode = ImageErrorCodes.TooLarge,
                    ErrorReason = $"The blob has {length} bytes; the limit is {_maxBytes} (Imaging:MaxBytes).",
                },
                cancellationToken).ConfigureAwait(false);
        }

        if (content is null)
        {
            LogBlobMissing(_logger, hospital, id);
            return await WriteAsync(
                NewResult(hospital, id, TriageStatus.Failed, blob.Uri.ToString(), now) with
                {
                    SourceName = name.Name,
                    ImageContainer = blob.BlobContainerName,
                    ImageBlobName = blob.Name,
                    ErrorCode = TriageFailureCodes.BlobMissing,
                    ErrorReason = "The blob was deleted before it could be scored.",
                },
                cancellationToken).ConfigureAwait(false);
        }

        string sha = Hash(content);
        TriageResult? existing = await existingRead.ConfigureAwait(false);
        TriageResult blobResult = NewResult(hospital, id, TriageStatus.Scored, blob.Uri.ToString(), now) with
        {
            SourceName = name.Name,
            ImageContainer = blob.BlobContainerName,
            ImageBlobName = blob.Name,
            ContentSha256 = sha,
            ImageBytes = content.Length,
        };
        if (model is null)
        {
            return await RecordPendingAsync(existing, blobResult, cancellationToken).ConfigureAwait(false);
        }

        if (existing is { Status: TriageStatus.Scored or TriageStatus.Rejected } && existing.ContentSha256 == sha
            && existing.ModelVersion == model.Version && existing.ModelSha256 == model.OnnxSha256)
        {
            LogDuplicate(_logger, hospital, id);
            return existing;
        }

        TriageResult result = await ScoreAsync(blobResult, content, model, cancellationToken).ConfigureAwait(false);
        return await WriteAsync(result, rowSeenAbsent: existing is null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Scores an image posted over HTTP. Scored images are kept in the uploads container so a confirmed label can
    /// copy them later; rejected ones are recorded like blob results and returned with their code.
    /// </summary>
    /// <exception cref="TriageRequestException">The hospital id is invalid.</exception>
    /// <exception cref="ModelUnavailableException">No model is published yet.</exception>
    public async Task<TriageResult> TriageUploadAsync(string hospital, ReadOnlyMemory<byte> image, CancellationToken cancellationToken = default)
    {
        using Activity? activity = TriageActivities.Start(TriageActivities.HttpTriage, ActivityKind.Server);
        return Traced(activity, await TriageUploadCoreAsync(hospital, image, cancellationToken).ConfigureAwait(false));
    }

    private async Task<TriageResult> TriageUploadCoreAsync(string hospital, ReadOnlyMemory<byte> image, CancellationToken cancellationToken)
    {
        if (!HospitalIds.IsValid(hospital))
        {
            throw new TriageRequestException(TriageErrorCodes.InvalidHospital, $"Hospital id '{hospital}' is not valid: {HospitalIds.Rule}.");
        }

        ModelManifest model = await _models.GetActiveAsync(cancellationToken).ConfigureAwait(false);
        string sha = Hash(image.Span);
        string id = ResultIds.ForHttp(hospital, sha);
        TriageResult result = await ScoreAsync(
            NewResult(hospital, id, TriageStatus.Scored, TriageResult.HttpSource, _time.GetUtcNow()) with
            {
                ContentSha256 = sha,
                ImageBytes = image.Length,
            },
            image,
            model,
            cancellationToken).ConfigureAwait(false);

        if (result.IsScored)
        {
            // Upload before the row is written, so a row never points at an image that is not there.
            string blobName = $"{hospital}/{id}.{ImageFiles.ExtensionForFormat(result.ImageFormat) ?? "bin"}";
            await _uploads.UploadAsync(blobName, new BinaryData(image), cancellationToken).ConfigureAwait(false);
            result = result with { ImageContainer = _uploads.Client.Name, ImageBlobName = blobName };
        }

        return await WriteAsync(result, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Records a blob the host stopped retrying (its poison-queue message) as a <see cref="TriageStatus.Failed"/>
    /// row, unless the same content was scored meanwhile. Returns null for blobs outside the x-ray container or
    /// without a valid hospital folder, which cannot be keyed.
    /// </summary>
    public async Task<TriageResult?> RecordBlobFailureAsync(BlobClient blob, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blob);
        if (blob.BlobContainerName != _storage.XraysContainer)
        {
            return null;
        }

        (string hospital, string rawName) = SplitHospital(blob.Name, throwIfInvalid: false);
        if (!HospitalIds.IsValid(hospital))
        {
            return null;
        }

        string id = ResultIds.ForBlob(hospital, rawName);
        string? sha = null;
        long? length = null;
        try
        {
            (byte[]? content, long size) = await DownloadAsync(blob, _maxBytes, cancellationToken).ConfigureAwait(false);
            sha = content is null ? null : ModelPackage.Sha256Hex(content);
            length = size >= 0 ? size : null;
        }
        catch (RequestFailedException ex)
        {
            // Storage may be why the host gave up; the failure is recorded without the content hash.
            LogFailureDownloadFailed(_logger, ex, hospital, id);
        }

        TriageResult? existing = await _results.GetAsync(hospital, id, cancellationToken).ConfigureAwait(false);
        if (existing is { Status: not TriageStatus.Failed } && sha is not null && existing.ContentSha256 == sha)
        {
            return existing;
        }

        LogRecordedFailure(_logger, hospital, id);
        return await WriteAsync(
            NewResult(hospital, id, TriageStatus.Failed, blob.Uri.ToString(), _time.GetUtcNow()) with
            {
                SourceName = rawName,
                ImageContainer = blob.BlobContainerName,
                ImageBlobName = blob.Name,
                ContentSha256 = sha,
                ImageBytes = length,
                ModelVersion = _classifier.CurrentModel?.Version,
                ErrorCode = TriageFailureCodes.RetriesExhausted,
                ErrorReason = "Scoring failed on every attempt the Functions host made (storage or model loading), so it "
                    + "stopped retrying. The cause is in the function logs; upload the image again to retry.",
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The active model, or null when none can be served (the blob then waits as a pending row).</summary>
    private async Task<ModelManifest?> TryGetActiveModelAsync(string hospital, string id, CancellationToken cancellationToken)
    {
        try
        {
            return await _models.GetActiveAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ModelUnavailableException ex)
        {
            LogNoModel(_logger, ex, hospital, id);
            return null;
        }
    }

    private async Task<TriageResult> RecordPendingAsync(TriageResult? existing, TriageResult blobResult, CancellationToken cancellationToken)
    {
        if (existing is { Status: TriageStatus.Scored or TriageStatus.Rejected } && existing.ContentSha256 == blobResult.ContentSha256)
        {
            // This instance has no model (yet) but the same bytes were already scored: a replay must not undo that.
            LogDuplicate(_logger, blobResult.Hospital, blobResult.Id);
            return existing;
        }

        return await WriteAsync(
            blobResult with
            {
                Status = TriageStatus.Pending,
                ErrorCode = TriagePendingCodes.NoModel,
                ErrorReason = "No model could be served when the image arrived (none published yet, or the published one "
                    + "cannot be loaded). The image is kept and scored by the reconciliation sweep (Triage:ReconcileSchedule, "
                    + "or covid results reconcile) once a model is served; there is no need to upload it again.",
            },
            rowSeenAbsent: existing is null,
            cancellationToken).ConfigureAwait(false);
    }

    private async Task<TriageResult> ScoreAsync(
        TriageResult pending, ReadOnlyMemory<byte> content, ModelManifest model, CancellationToken cancellationToken)
    {
        try
        {
            // The service hashed the bytes to key the result: hand that over so the classifier does not hash them again.
            TriagePrediction prediction = await (pending.ContentSha256 is { } sha
                ? _classifier.ScoreAsync(content, sha, cancellationToken)
                : _classifier.ScoreAsync(content, cancellationToken)).ConfigureAwait(false);
            LogScored(_logger, pending.Hospital, pending.Id, prediction.Label, prediction.ModelVersion);
            TriageResult scored = pending with
            {
                Status = TriageStatus.Scored,
                Label = prediction.Label,
                Probabilities = prediction.Probabilities,
                PositiveClass = prediction.PositiveClass,
                Threshold = prediction.Threshold,
                ModelVersion = prediction.ModelVersion,
                ModelSha256 = prediction.ModelSha256,
                PreprocessingId = prediction.PreprocessingId,
                ImageFormat = prediction.Image.Format,
                ImageWidth = prediction.Image.Width,
                ImageHeight = prediction.Image.Height,
                Dicom = prediction.Dicom is { } dicom ? DicomAcquisition.From(dicom, _dicomUidSalt) : null,
                Timings = prediction.Timings,
            };

            // Stored before the row is written, so a row never links a heat map that is not there. A model without a
            // cam output (an older package) scores exactly as before: no heat map, no link, no error.
            return prediction.ActivationMap is { } map
                ? await SaveHeatMapAsync(scored, content, map, prediction.InputGrey, cancellationToken).ConfigureAwait(false)
                : scored;
        }
        catch (ImageRejectedException ex)
        {
            LogRejected(_logger, pending.Hospital, pending.Id, ex.Code);
            return pending with
            {
                Status = TriageStatus.Rejected,
                ModelVersion = model.Version,
                ModelSha256 = model.OnnxSha256,
                PreprocessingId = model.PreprocessingId,
                ErrorCode = ex.Code,
                ErrorReason = ex.Reason,
            };
        }
    }

    /// <summary>
    /// The blob's bytes and length; null content with length -1 when the blob is gone, and null content with its
    /// length when it exceeds <paramref name="maxBytes"/> (the body is never read then).
    /// </summary>
    private static async Task<(byte[]? Content, long Length)> DownloadAsync(BlobClient blob, long maxBytes, CancellationToken cancellationToken)
    {
        try
        {
            Response<BlobDownloadStreamingResult> response = await blob.DownloadStreamingAsync(cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            using BlobDownloadStreamingResult download = response.Value;
            long length = download.Details.ContentLength;
            if (length > maxBytes)
            {
                return (null, length);
            }

            byte[] content = new byte[length];
            await download.Content.ReadExactlyAsync(content, cancellationToken).ConfigureAwait(false);
            return (content, length);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return (null, -1);
        }
    }

    private static (string Hospital, string Name) SplitHospital(string blobName, bool throwIfInvalid = true)
    {
        int slash = blobName.IndexOf('/', StringComparison.Ordinal);
        string hospital = slash < 0 ? string.Empty : blobName[..slash];
        if (throwIfInvalid && !HospitalIds.IsValid(hospital))
        {
            XrayBlobName.Parse(blobName); // throws the typed error with its reason
        }

        return (hospital, blobName[(slash + 1)..]);
    }

    private static TriageResult NewResult(string hospital, string id, TriageStatus status, string source, DateTimeOffset now) => new()
    {
        Hospital = hospital,
        Id = id,
        Status = status,
        Source = source,
        CreatedUtc = now,
        UpdatedUtc = now,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Result {Hospital}/{ResultId}: {Label} by model {ModelVersion}")]
    private static partial void LogScored(ILogger logger, string hospital, string resultId, string label, string modelVersion);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Result {Hospital}/{ResultId}: image rejected ({Code})")]
    private static partial void LogRejected(ILogger logger, string hospital, string resultId, string code);

    [LoggerMessage(Level = LogLevel.Information, Message = "Result {Hospital}/{ResultId}: same content already scored by the active model; delivery ignored")]
    private static partial void LogDuplicate(ILogger logger, string hospital, string resultId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Result {Hospital}/{ResultId}: no model can be served; recorded as pending")]
    private static partial void LogNoModel(ILogger logger, Exception exception, string hospital, string resultId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Result {Hospital}/{ResultId}: the blob disappeared before scoring")]
    private static partial void LogBlobMissing(ILogger logger, string hospital, string resultId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Result {Hospital}/{ResultId}: the host gave up on this blob; recorded as failed")]
    private static partial void LogRecordedFailure(ILogger logger, string hospital, string resultId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Result {Hospital}/{ResultId}: could not read the failed blob")]
    private static partial void LogFailureDownloadFailed(ILogger logger, Exception exception, string hospital, string resultId);
}
