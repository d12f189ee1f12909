using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Core.Triage;

/// <summary>
/// A blob in the x-ray container split into hospital and name, validated before either is used as a table key or
/// copied into another path: the hospital folder must be a valid <see cref="HospitalIds">hospital id</see>, and the
/// rest must be a plain relative name (no empty, "." or ".." segments, no backslashes or control characters).
/// </summary>
public sealed record XrayBlobName(string Hospital, string Name)
{
    private const int MaxNameLength = 900;

    /// <summary>Parses the full blob name (<c>{hospital}/{name}</c>).</summary>
    /// <exception cref="TriageRequestException">The hospital id or the name is unusable.</exception>
    public static XrayBlobName Parse(string blobName)
    {
        ArgumentNullException.ThrowIfNull(blobName);
        int slash = blobName.IndexOf('/', StringComparison.Ordinal);
        string hospital = slash < 0 ? string.Empty : blobName[..slash];
        if (!HospitalIds.IsValid(hospital))
        {
            throw new TriageRequestException(
                TriageErrorCodes.InvalidHospital,
                $"Blobs must be uploaded as {{hospital}}/{{name}} where the hospital id is {HospitalIds.Rule}.");
        }

        string name = blobName[(slash + 1)..];
        string? problem = NameProblem(name);
        if (problem is not null)
        {
            throw new TriageRequestException(TriageErrorCodes.InvalidBlobName, $"The blob name after '{hospital}/' {problem}.");
        }

        return new XrayBlobName(hospital, name);
    }

    private static string? NameProblem(string name)
    {
        if (name.Length is 0 or > MaxNameLength)
        {
            return $"must be 1-{MaxNameLength} characters";
        }

        if (name.Any(char.IsControl) || name.Contains('\\', StringComparison.Ordinal))
        {
            return "must not contain control characters or backslashes";
        }

        if (name.Split('/').Any(segment => segment.Length == 0 || segment == "." || segment == ".."))
        {
            return "must not contain empty, '.' or '..' path segments";
        }

        return null;
    }
}
