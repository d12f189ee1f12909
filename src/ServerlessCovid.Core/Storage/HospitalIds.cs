using System.Text.RegularExpressions;

namespace ServerlessCovid.Core.Storage;

/// <summary>
/// Hospital ids are table partition keys, blob path segments and URL route values at once, so they are restricted
/// to lower-case letters, digits and inner hyphens (2-63 characters), which is safe in all three.
/// </summary>
public static partial class HospitalIds
{
    public const string Rule = "2-63 lower-case letters, digits or hyphens, starting and ending with a letter or digit";

    public static bool IsValid(string? hospital) => hospital is not null && Pattern().IsMatch(hospital);

    [GeneratedRegex(@"\A[a-z0-9][a-z0-9-]{0,61}[a-z0-9]\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
