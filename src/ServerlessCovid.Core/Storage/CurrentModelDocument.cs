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
            return JsonSerializer.Deserialize<CurrentModelDocument>(content.ToString(), ManifestJson.Options)
                ?? throw new InvalidModelPackageException($"{BlobName} is empty.");
        }
        catch (JsonException ex)
        {
            throw new InvalidModelPackageException($"{BlobName} is malformed: {ex.Message}", ex);
        }
    }

    public CurrentModelPointer ToPointer(Azure.ETag etag) => new(Version, OnnxSha256, SwitchedUtc, Reason, etag.ToString());
}
