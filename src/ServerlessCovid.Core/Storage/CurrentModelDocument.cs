using System.Text.Json;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Storage;

/// <summary>The JSON of <c>models/current.json</c>; the ETag lives on the blob, not in the document.</summary>
internal sealed record CurrentModelDocument(
    string Version, string OnnxSha256, DateTimeOffset SwitchedUtc, string Reason, string? PreviousVersion)
{
    public const string BlobName = "current.json";

    public BinaryData ToBinaryData() => BinaryData.FromString(JsonSerializer.Serialize(this, ManifestJson.Options));

    public static CurrentModelDocument Parse(BinaryData content)
    {
        try
        {
            CurrentModelDocument document = JsonSerializer.Deserialize<CurrentModelDocument>(content.ToString(), ManifestJson.Options)
                ?? throw new InvalidModelPackageException($"{BlobName} is empty.");
            return document.Validated();
        }
        catch (JsonException ex)
        {
            throw new InvalidModelPackageException($"{BlobName} is malformed: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The serializer leaves missing properties null despite the non-nullable types, so a hand-edited or truncated
    /// document is caught here rather than as a NullReferenceException in whoever reads the pointer.
    /// </summary>
    private CurrentModelDocument Validated()
    {
        List<string> problems = [];
        if (!ModelVersions.IsValid(Version))
        {
            problems.Add("'version' is missing or not a valid version");
        }

        if (string.IsNullOrWhiteSpace(OnnxSha256))
        {
            problems.Add("'onnxSha256' is missing");
        }

        if (Reason is null)
        {
            problems.Add("'reason' is missing");
        }

        if (SwitchedUtc == default)
        {
            problems.Add("'switchedUtc' is missing");
        }

        return problems.Count == 0 ? this : throw new InvalidModelPackageException($"{BlobName} is malformed: {string.Join("; ", problems)}.");
    }

    public CurrentModelPointer ToPointer(Azure.ETag etag) => new(Version, OnnxSha256, SwitchedUtc, Reason, etag.ToString());
}
