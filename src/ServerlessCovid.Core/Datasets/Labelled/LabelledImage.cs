using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Datasets.Labelled;

/// <summary>
/// A confirmed label for one image, as the label endpoint or a bulk import submits it. <see cref="Id"/> is unique
/// within the hospital (e.g. the triage result id); adding the same id again is idempotent.
/// </summary>
public sealed record LabelledImageRequest
{
    public required string Hospital { get; init; }

    public required string Id { get; init; }

    /// <summary><c>covid</c> or <c>normal</c>.</summary>
    public required string Label { get; init; }

    /// <summary>File extension without the dot: one of <see cref="Imaging.ImageFiles.Extensions"/> (png, jpg, ..., dcm).</summary>
    public required string Extension { get; init; }

    public required string LabelledBy { get; init; }

    /// <summary>Where the image came from (the uploaded blob's URI, <c>http</c>, an import name).</summary>
    public string Source { get; init; } = string.Empty;

    /// <summary>Patient or other grouping id for leak-free splits; empty: the image is its own group.</summary>
    public string GroupId { get; init; } = string.Empty;

    /// <summary>When the label was given; null: now.</summary>
    public DateTimeOffset? LabelledUtc { get; init; }
}

/// <summary>One labelled image in blob storage: <c>{label}/{hospital}/{id}.{ext}</c> in the labelled container.</summary>
public sealed record LabelledImage(
    string BlobName,
    string Hospital,
    string Id,
    string Label,
    string Extension,
    string Source,
    string GroupId,
    string LabelledBy,
    DateTimeOffset LabelledUtc,
    string Sha256,
    string ETag,
    long Size)
{
    /// <summary>The group used for splits: the given patient/group id, else the image itself.</summary>
    public string EffectiveGroupId => GroupId.Length > 0 ? GroupId : $"{Hospital}/{Id}";

    public static string BlobNameFor(string label, string hospital, string id, string extension) =>
        $"{label}/{hospital}/{id}.{extension}";

    internal static bool IsKnownLabel(string label) => ClassNames.IsKnown(label);
}

public enum LabelledImageAddStatus
{
    /// <summary>Stored for the first time.</summary>
    Created,

    /// <summary>The same id with the same label and content was already stored; nothing changed.</summary>
    AlreadyPresent,

    /// <summary>The id was stored under the other label; it now lives under the new one only.</summary>
    Relabelled,
}

public sealed record LabelledImageAddResult(LabelledImage Image, LabelledImageAddStatus Status);

/// <summary>Stable codes of <see cref="LabelledImageStoreException"/>; callers map them to HTTP statuses.</summary>
public static class LabelledImageErrorCodes
{
    public const string InvalidLabel = "invalid_label";

    public const string InvalidName = "invalid_name";

    public const string UnsupportedExtension = "unsupported_extension";

    public const string EmptyImage = "empty_image";

    /// <summary>The id is already stored with the same label but different bytes (HTTP 409).</summary>
    public const string ConflictingContent = "conflicting_content";

    public const string SourceNotFound = "source_not_found";

    public const string SnapshotNotFound = "snapshot_not_found";

    public const string SnapshotExists = "snapshot_exists";

    public const string InvalidSnapshot = "invalid_snapshot";
}

/// <summary>Bad input to the labelled-image store, with a stable <see cref="Code"/> and a reason to act on.</summary>
public sealed class LabelledImageStoreException : Exception
{
    public LabelledImageStoreException()
        : this(LabelledImageErrorCodes.InvalidName, "The labelled-image request is invalid.")
    {
    }

    public LabelledImageStoreException(string message)
        : this(LabelledImageErrorCodes.InvalidName, message)
    {
    }

    public LabelledImageStoreException(string message, Exception innerException)
        : this(LabelledImageErrorCodes.InvalidName, message, innerException)
    {
    }

    public LabelledImageStoreException(string code, string reason, Exception? innerException = null)
        : base(reason, innerException)
    {
        Code = code;
        Reason = reason;
    }

    public string Code { get; }

    public string Reason { get; }
}
