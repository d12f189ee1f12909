using System.Globalization;
using System.Text.RegularExpressions;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Core.Datasets.Labelled;

/// <summary>
/// Confirmed labels for retraining. Layout in <see cref="StorageOptions.LabelledContainer"/>:
/// <c>{label}/{hospital}/{id}.{ext}</c> with metadata (source, group id, labelled by, labelled UTC, content SHA-256).
/// Snapshots (immutable JSON manifests) go to <see cref="StorageOptions.RetrainingContainer"/> under
/// <c>snapshots/{snapshotId}.json</c>, and download into the <c>normal/</c> + <c>covid/</c> + manifest.csv layout
/// that training reads.
/// </summary>
public sealed partial class LabelledImageStore
{
    private readonly BlobContainerClient _labelled;
    private readonly BlobContainerClient _retraining;
    private readonly TimeProvider _time;
    private readonly ILogger<LabelledImageStore> _logger;

    public LabelledImageStore(
        BlobServiceClient blobs, IOptions<StorageOptions> options, TimeProvider time, ILogger<LabelledImageStore> logger)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(options);
        _labelled = blobs.GetBlobContainerClient(options.Value.LabelledContainer);
        _retraining = blobs.GetBlobContainerClient(options.Value.RetrainingContainer);
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Stores an image under its label. Idempotent by (hospital, id): the same request again returns
    /// <see cref="LabelledImageAddStatus.AlreadyPresent"/>; a different label moves the image
    /// (<see cref="LabelledImageAddStatus.Relabelled"/>). Nothing orders concurrent calls that disagree on the label
    /// of one id, so they can leave a copy under each; callers that keep the label elsewhere use <see cref="MirrorAsync"/>.
    /// </summary>
    /// <exception cref="LabelledImageStoreException">Invalid request, empty image, or the id already holds other bytes.</exception>
    public async Task<LabelledImageAddResult> AddAsync(
        LabelledImageRequest request, BinaryData content, CancellationToken cancellationToken = default)
    {
        for (int attempt = 1; ; attempt++)
        {
            // Null: the concurrent copy this call lost to was deleted before it could be read (another writer
            // relabelled or settled the id); start again from what is stored now.
            LabelledImageAddResult? result = await AddOnceAsync(
                request, content, lastAttempt: attempt >= MaxMirrorAttempts, cancellationToken).ConfigureAwait(false);
            if (result is not null)
            {
                return result;
            }
        }
    }

    private async Task<LabelledImageAddResult?> AddOnceAsync(
        LabelledImageRequest request, BinaryData content, bool lastAttempt, CancellationToken cancellationToken)
    {
        (string extension, string sha) = CheckContent(request, content);
        await _labelled.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        List<LabelledImage> existing = await FindAsync(request.Hospital, request.Id, cancellationToken).ConfigureAwait(false);
        LabelledImage? same = existing.FirstOrDefault(e => e.Label == request.Label);
        if (same is not null)
        {
            return SameOrConflict(same, sha);
        }

        string blobName = LabelledImage.BlobNameFor(request.Label, request.Hospital, request.Id, extension);
        DateTimeOffset labelledUtc = request.LabelledUtc ?? _time.GetUtcNow();
        BlobClient blob = _labelled.GetBlobClient(blobName);
        try
        {
            Response<BlobContentInfo> uploaded = await UploadNewAsync(
                blob, content, extension, Metadata(request, labelledUtc, sha), cancellationToken).ConfigureAwait(false);

            foreach (LabelledImage old in existing)
            {
                await _labelled.DeleteBlobIfExistsAsync(old.BlobName, cancellationToken: cancellationToken).ConfigureAwait(false);
                LogRelabelled(_logger, request.Hospital, request.Id, old.Label, request.Label);
            }

            LabelledImage stored = new(
                blobName, request.Hospital, request.Id, request.Label, extension, request.Source, request.GroupId,
                request.LabelledBy, labelledUtc, sha, Unquoted(uploaded.Value.ETag), content.ToMemory().Length);
            LogAdded(_logger, request.Hospital, request.Id, request.Label);
            return new LabelledImageAddResult(stored, existing.Count > 0 ? LabelledImageAddStatus.Relabelled : LabelledImageAddStatus.Created);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // A concurrent delivery of the same label won the race: judge by what it stored.
            BlobProperties properties;
            try
            {
                properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            }
            catch (RequestFailedException gone) when (gone.Status == 404 && !lastAttempt)
            {
                return null;
            }

            return SameOrConflict(FromProperties(blobName, properties.Metadata, properties.ETag, properties.ContentLength)!, sha);
        }
    }

    /// <summary>Copies an existing blob (e.g. an uploaded x-ray) into the store; see <see cref="AddAsync"/>.</summary>
    /// <exception cref="LabelledImageStoreException">The source blob does not exist, or as <see cref="AddAsync"/>.</exception>
    public async Task<LabelledImageAddResult> AddFromBlobAsync(
        LabelledImageRequest request, BlobClient source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        BinaryData content;
        try
        {
            content = (await source.DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new LabelledImageStoreException(
                LabelledImageErrorCodes.SourceNotFound, $"Source image {source.Name} does not exist in {source.BlobContainerName}.", ex);
        }

        string sourceText = request.Source.Length > 0 ? request.Source : source.Uri.AbsolutePath;
        return await AddAsync(request with { Source = sourceText }, content, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Labelled images, optionally of one label and/or hospital, in blob-name order.</summary>
    public async Task<IReadOnlyList<LabelledImage>> ListAsync(
        string? label = null, string? hospital = null, CancellationToken cancellationToken = default)
    {
        if (label is not null && !ClassNames.IsKnown(label))
        {
            throw new LabelledImageStoreException(LabelledImageErrorCodes.InvalidLabel, $"Unknown label '{label}'; expected 'covid' or 'normal'.");
        }

        if (!await _labelled.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            return [];
        }

        List<LabelledImage> images = [];
        foreach (string l in label is null ? ClassNames.InOutputOrder : [label])
        {
            string prefix = hospital is null ? $"{l}/" : $"{l}/{hospital}/";
            await foreach (BlobItem item in _labelled.GetBlobsAsync(
                new GetBlobsOptions { Traits = BlobTraits.Metadata, Prefix = prefix }, cancellationToken).ConfigureAwait(false))
            {
                LabelledImage? image = FromProperties(item.Name, item.Metadata, item.Properties.ETag ?? default, item.Properties.ContentLength ?? 0);
                if (image is null)
                {
                    LogSkipped(_logger, item.Name);
                    continue;
                }

                images.Add(image);
            }
        }

        return images;
    }

    /// <summary>
    /// Lists the store and writes the list as an immutable snapshot. <paramref name="snapshotId"/> null: a new
    /// time-ordered id. Orchestrations pass a replay-stable id.
    /// </summary>
    /// <exception cref="LabelledImageStoreException">The id is invalid or already used.</exception>
    public async Task<DatasetSnapshot> CreateSnapshotAsync(string? snapshotId = null, CancellationToken cancellationToken = default)
    {
        DateTimeOffset now = _time.GetUtcNow();
        snapshotId ??= string.Create(CultureInfo.InvariantCulture, $"{now.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid():N}")[..27];
        ValidateName(snapshotId, "snapshot id");
        IReadOnlyList<LabelledImage> images = await ListAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        DatasetSnapshot snapshot = new()
        {
            SnapshotId = snapshotId,
            CreatedUtc = now,
            Container = _labelled.Name,
            CountsPerClass = ClassNames.InOutputOrder.ToDictionary(l => l, l => images.Count(i => i.Label == l)),
            CountsPerHospital = images.GroupBy(i => i.Hospital, StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()),
            Items = images.Select(i => new DatasetSnapshotItem(
                i.BlobName, i.Label, i.Hospital, i.Id, i.EffectiveGroupId, i.Source, i.Sha256, i.ETag, i.Size, i.LabelledUtc)).ToList(),
        };

        await _retraining.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            await _retraining.GetBlobClient(DatasetSnapshot.BlobNameFor(snapshotId)).UploadAsync(
                BinaryData.FromString(snapshot.ToJson()),
                new BlobUploadOptions
                {
                    HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            throw new LabelledImageStoreException(
                LabelledImageErrorCodes.SnapshotExists, $"Snapshot {snapshotId} already exists; snapshots are immutable.", ex);
        }

        int covid = snapshot.Count(ClassNames.Covid);
        int normal = snapshot.Count(ClassNames.Normal);
        LogSnapshot(_logger, snapshotId, covid, normal);
        return snapshot;
    }

    /// <exception cref="LabelledImageStoreException">No such snapshot, or it is malformed.</exception>
    public async Task<DatasetSnapshot> GetSnapshotAsync(string snapshotId, CancellationToken cancellationToken = default)
    {
        ValidateName(snapshotId, "snapshot id");
        try
        {
            BinaryData json = (await _retraining.GetBlobClient(DatasetSnapshot.BlobNameFor(snapshotId))
                .DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content;
            return DatasetSnapshot.FromJson(json.ToString());
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new LabelledImageStoreException(LabelledImageErrorCodes.SnapshotNotFound, $"Snapshot {snapshotId} does not exist.", ex);
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new LabelledImageStoreException(LabelledImageErrorCodes.InvalidSnapshot, $"Snapshot {snapshotId} is malformed: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Downloads a snapshot into <paramref name="directory"/> as <c>covid/</c>, <c>normal/</c> and manifest.csv.
    /// Items deleted, relabelled or changed since the snapshot (SHA-256 differs) are left out and listed in
    /// <see cref="SnapshotDownloadResult.Problems"/>, so the caller can decide whether the rest is enough.
    /// </summary>
    public async Task<SnapshotDownloadResult> DownloadSnapshotAsync(
        DatasetSnapshot snapshot, string directory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        foreach (string label in ClassNames.InOutputOrder)
        {
            Directory.CreateDirectory(Path.Combine(directory, label));
        }

        List<DatasetManifestEntry> entries = [];
        List<SnapshotItemProblem> problems = [];
        foreach (DatasetSnapshotItem item in snapshot.Items)
        {
            BinaryData content;
            try
            {
                content = (await _labelled.GetBlobClient(item.BlobName).DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content;
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                problems.Add(new SnapshotItemProblem(item.BlobName, "Deleted or relabelled since the snapshot."));
                continue;
            }

            string sha = ModelPackage.Sha256Hex(content.ToMemory().Span);
            if (!string.Equals(sha, item.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add(new SnapshotItemProblem(item.BlobName, $"Content changed since the snapshot (SHA-256 {sha}, snapshot says {item.Sha256})."));
                continue;
            }

            string file = $"{item.Label}/{item.Hospital}-{item.Id}{Path.GetExtension(item.BlobName)}";
            await File.WriteAllBytesAsync(Path.Combine(directory, file), content.ToArray(), cancellationToken).ConfigureAwait(false);
            entries.Add(new DatasetManifestEntry(
                file, item.Label, "labelled", item.GroupId, item.BlobName,
                string.Create(CultureInfo.InvariantCulture, $"snapshot={snapshot.SnapshotId};hospital={item.Hospital};sha256={item.Sha256}")));
        }

        DatasetManifest.Write(directory, entries);
        return new SnapshotDownloadResult(directory, entries, problems);
    }

    private static LabelledImageAddResult SameOrConflict(LabelledImage stored, string sha)
    {
        if (!string.Equals(stored.Sha256, sha, StringComparison.OrdinalIgnoreCase))
        {
            throw ConflictingContent(stored);
        }

        return new LabelledImageAddResult(stored, LabelledImageAddStatus.AlreadyPresent);
    }

    private static LabelledImageStoreException ConflictingContent(LabelledImage stored) => new(
        LabelledImageErrorCodes.ConflictingContent,
        $"Image {stored.Hospital}/{stored.Id} is already labelled '{stored.Label}' with different content "
        + $"(SHA-256 {stored.Sha256}); use a new id for a new image.");

    /// <summary>Creates the blob only if no blob of that name exists (409 or 412 otherwise).</summary>
    private static Task<Response<BlobContentInfo>> UploadNewAsync(
        BlobClient blob, BinaryData content, string extension, Dictionary<string, string> metadata, CancellationToken cancellationToken) =>
        blob.UploadAsync(content, new BlobUploadOptions
        {
            Metadata = metadata,
            HttpHeaders = new BlobHttpHeaders { ContentType = ContentTypes.ForFileName("." + extension) },
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
        }, cancellationToken);

    private static Dictionary<string, string> Metadata(LabelledImageRequest request, DateTimeOffset labelledUtc, string sha) => new()
    {
        [MetadataKeys.Source] = Uri.EscapeDataString(request.Source),
        [MetadataKeys.GroupId] = Uri.EscapeDataString(request.GroupId),
        [MetadataKeys.LabelledBy] = Uri.EscapeDataString(request.LabelledBy),
        [MetadataKeys.LabelledUtc] = labelledUtc.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        [MetadataKeys.Sha256] = sha,
    };

    private Task<List<LabelledImage>> FindAsync(string hospital, string id, CancellationToken cancellationToken) =>
        FindAsync(hospital, id, ClassNames.InOutputOrder, cancellationToken);

    private async Task<List<LabelledImage>> FindAsync(
        string hospital, string id, IEnumerable<string> labels, CancellationToken cancellationToken)
    {
        List<LabelledImage> found = [];
        foreach (string label in labels)
        {
            await foreach (BlobItem item in _labelled.GetBlobsAsync(
                new GetBlobsOptions { Traits = BlobTraits.Metadata, Prefix = $"{label}/{hospital}/{id}." }, cancellationToken).ConfigureAwait(false))
            {
                LabelledImage? image = FromProperties(item.Name, item.Metadata, item.Properties.ETag ?? default, item.Properties.ContentLength ?? 0);
                if (image is not null && image.Id == id)
                {
                    found.Add(image);
                }
            }
        }

        return found;
    }

    /// <summary>Parses <c>{label}/{hospital}/{id}.{ext}</c> plus metadata; null for blobs that do not follow the layout.</summary>
    private static LabelledImage? FromProperties(string blobName, IDictionary<string, string>? metadata, ETag etag, long size)
    {
        string[] parts = blobName.Split('/');
        if (parts.Length != 3 || !ClassNames.IsKnown(parts[0]))
        {
            return null;
        }

        string extension = Path.GetExtension(parts[2]).TrimStart('.');
        if (!ImageFiles.Extensions.Contains(extension, StringComparer.Ordinal))
        {
            return null;
        }

        metadata ??= new Dictionary<string, string>();
        string Get(string key) => metadata.TryGetValue(key, out string? value) ? Uri.UnescapeDataString(value) : string.Empty;
        DateTimeOffset.TryParse(Get(MetadataKeys.LabelledUtc), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset labelledUtc);
        return new LabelledImage(
            blobName, parts[1], Path.GetFileNameWithoutExtension(parts[2]), parts[0], extension, Get(MetadataKeys.Source),
            Get(MetadataKeys.GroupId), Get(MetadataKeys.LabelledBy), labelledUtc, Get(MetadataKeys.Sha256), Unquoted(etag), size);
    }

    /// <summary>Upload responses quote ETags and listings do not; store one form.</summary>
    private static string Unquoted(ETag etag) => etag.ToString().Trim('"');

    /// <summary>
    /// The blob name <paramref name="request"/>'s copy gets, so a caller can record it before storing; throws what
    /// <see cref="AddAsync"/> would throw for an invalid request.
    /// </summary>
    /// <exception cref="LabelledImageStoreException">Invalid label, name, labeller or extension.</exception>
    public static string BlobNameFor(LabelledImageRequest request)
    {
        string extension = Validate(request);
        return LabelledImage.BlobNameFor(request.Label, request.Hospital, request.Id, extension);
    }

    private static string Validate(LabelledImageRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!ClassNames.IsKnown(request.Label))
        {
            throw new LabelledImageStoreException(LabelledImageErrorCodes.InvalidLabel, $"Unknown label '{request.Label}'; expected 'covid' or 'normal'.");
        }

        ValidateName(request.Hospital, "hospital");
        ValidateName(request.Id, "image id");
        if (string.IsNullOrWhiteSpace(request.LabelledBy))
        {
            throw new LabelledImageStoreException(LabelledImageErrorCodes.InvalidName, "labelledBy is required: who confirmed the label.");
        }

        string extension = request.Extension.TrimStart('.').ToLowerInvariant();
        if (!ImageFiles.Extensions.Contains(extension, StringComparer.Ordinal))
        {
            throw new LabelledImageStoreException(
                LabelledImageErrorCodes.UnsupportedExtension,
                $"Extension '{request.Extension}' is not an image format the preprocessor reads; use one of {ImageFiles.ExtensionList}.");
        }

        return extension;
    }

    /// <summary>
    /// Whether <paramref name="value"/> is a valid hospital, image or snapshot id of this store. Anchored with
    /// <c>\A</c>/<c>\z</c>: <c>$</c> would also accept a trailing line feed.
    /// </summary>
    public static bool IsValidName(string? value) => value is not null && SafeName().IsMatch(value);

    private static void ValidateName(string? value, string what)
    {
        if (!IsValidName(value))
        {
            throw new LabelledImageStoreException(
                LabelledImageErrorCodes.InvalidName,
                $"The {what} '{value}' must be 1–100 characters of letters, digits, '.', '_' or '-', starting with a letter or digit.");
        }
    }

    [GeneratedRegex(@"\A[A-Za-z0-9][A-Za-z0-9._-]{0,99}\z", RegexOptions.CultureInvariant)]
    private static partial Regex SafeName();

    [LoggerMessage(Level = LogLevel.Information, Message = "Labelled image {Hospital}/{Id} stored as {Label}")]
    private static partial void LogAdded(ILogger logger, string hospital, string id, string label);

    [LoggerMessage(Level = LogLevel.Information, Message = "Labelled image {Hospital}/{Id} moved from {OldLabel} to {NewLabel}")]
    private static partial void LogRelabelled(ILogger logger, string hospital, string id, string oldLabel, string newLabel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Blob {BlobName} does not follow the labelled layout {{label}}/{{hospital}}/{{id}}.{{ext}}; skipped")]
    private static partial void LogSkipped(ILogger logger, string blobName);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dataset snapshot {SnapshotId} written: {Covid} covid, {Normal} normal")]
    private static partial void LogSnapshot(ILogger logger, string snapshotId, int covid, int normal);

    /// <summary>Blob metadata names (must be valid C# identifiers); values are URI-escaped so any text stays ASCII.</summary>
    public static class MetadataKeys
    {
        public const string Source = "source";

        public const string GroupId = "groupid";

        public const string LabelledBy = "labelledby";

        public const string LabelledUtc = "labelledutc";

        public const string Sha256 = "sha256";
    }
}
