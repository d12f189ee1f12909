using System.Text.Json;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Datasets.Labelled;

/// <summary>
/// An immutable list of the labelled images a training run uses, written once to
/// <c>snapshots/{snapshotId}.json</c> in the retraining container. Field names are part of the format: add, never rename.
/// </summary>
public sealed record DatasetSnapshot
{
    public const string BlobPrefix = "snapshots/";

    public required string SnapshotId { get; init; }

    public required DateTimeOffset CreatedUtc { get; init; }

    /// <summary>The labelled container the items were listed from.</summary>
    public required string Container { get; init; }

    public required IReadOnlyDictionary<string, int> CountsPerClass { get; init; }

    public required IReadOnlyDictionary<string, int> CountsPerHospital { get; init; }

    public required IReadOnlyList<DatasetSnapshotItem> Items { get; init; }

    public string Disclaimer { get; init; } = Disclaimers.ResearchOnly;

    public int Count(string label) => CountsPerClass.TryGetValue(label, out int n) ? n : 0;

    public static string BlobNameFor(string snapshotId) => $"{BlobPrefix}{snapshotId}.json";

    public string ToJson() => JsonSerializer.Serialize(this, ManifestJson.Options);

    public static DatasetSnapshot FromJson(string json) =>
        JsonSerializer.Deserialize<DatasetSnapshot>(json, ManifestJson.Options)
        ?? throw new JsonException("The snapshot is empty.");
}

/// <summary>One image of a snapshot; <see cref="Sha256"/> is verified when the snapshot is downloaded.</summary>
public sealed record DatasetSnapshotItem(
    string BlobName,
    string Label,
    string Hospital,
    string Id,
    string GroupId,
    string Source,
    string Sha256,
    string ETag,
    long Size,
    DateTimeOffset LabelledUtc);

/// <summary>A snapshot item that could not be reproduced on download (deleted, relabelled or changed since).</summary>
public sealed record SnapshotItemProblem(string BlobName, string Reason);

/// <summary>What <see cref="LabelledImageStore.DownloadSnapshotAsync"/> wrote.</summary>
public sealed record SnapshotDownloadResult(
    string Directory, IReadOnlyList<DatasetManifestEntry> Entries, IReadOnlyList<SnapshotItemProblem> Problems)
{
    public int Count(string label) => Entries.Count(e => e.Label == label);
}
