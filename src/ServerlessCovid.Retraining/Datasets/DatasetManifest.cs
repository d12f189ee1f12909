using System.Text.Json;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Retraining.Datasets;

/// <summary>Which side of the split an image is on.</summary>
public enum DatasetSubset
{
    Unassigned,
    Training,
    Validation,
}

/// <summary>
/// One labelled image, pinned: <see cref="Snapshot"/> is a blob snapshot taken when the dataset was frozen, so later
/// edits or deletions in the labelled store cannot change what a run trained and validated on.
/// </summary>
public sealed record DatasetItem
{
    public required string Blob { get; init; }

    public required string Label { get; init; }

    public string? Snapshot { get; init; }

    public string? Hospital { get; init; }

    /// <summary>Patient (or other group) id; images of one group always land on the same side of the split.</summary>
    public string? GroupId { get; init; }

    public string? Source { get; init; }

    /// <summary>Lower-case hex SHA-256 recorded by the store; every download is checked against it.</summary>
    public string? Sha256 { get; init; }

    public long Bytes { get; init; }

    public DatasetSubset Subset { get; init; }

    /// <summary>A file name unique within the dataset (class folders are flat).</summary>
    public string LocalFileName => Blob.Replace('/', '_');
}

/// <summary>How the split was made, recorded so it can be reproduced and audited.</summary>
public sealed record DatasetSplit(string Method, double ValidationFraction, int Seed, bool GroupedByPatient, int TrainingImages, int ValidationImages);

/// <summary>The immutable description of a dataset snapshot (and, once split, of its split).</summary>
public sealed record DatasetManifest
{
    public required string DatasetId { get; init; }

    public required DateTimeOffset CreatedUtc { get; init; }

    public required string SourceContainer { get; init; }

    public required IReadOnlyList<DatasetItem> Items { get; init; }

    public DatasetSplit? Split { get; init; }

    public string Disclaimer { get; init; } = Disclaimers.ResearchOnly;

    public IReadOnlyDictionary<string, int> CountPerClass() =>
        ClassNames.InOutputOrder.ToDictionary(c => c, c => Items.Count(i => i.Label == c));

    public string ToJson() => JsonSerializer.Serialize(this, ManifestJson.Options);

    public static DatasetManifest FromJson(string json) =>
        JsonSerializer.Deserialize<DatasetManifest>(json, ManifestJson.Options)
        ?? throw new JsonException("Dataset manifest is empty.");
}
