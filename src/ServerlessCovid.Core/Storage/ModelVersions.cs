using System.Text.RegularExpressions;

namespace ServerlessCovid.Core.Storage;

/// <summary>
/// Model versions become blob path segments (<c>models/{version}/</c>), so they are restricted to characters that
/// cannot climb out of that prefix or be read differently by blob storage and URLs.
/// </summary>
public static partial class ModelVersions
{
    public static bool IsValid(string? version) =>
        version is not null && VersionPattern().IsMatch(version) && !version.Contains("..", StringComparison.Ordinal);

    public static void EnsureValid(string? version, string parameterName)
    {
        if (!IsValid(version))
        {
            throw new ArgumentException(
                $"Model version '{version}' is not valid: use 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit.",
                parameterName);
        }
    }

    [GeneratedRegex(@"\A[A-Za-z0-9][A-Za-z0-9._-]{0,99}\z", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPattern();
}

/// <summary>The requested version was never published (or its upload never completed).</summary>
public sealed class ModelVersionNotFoundException : Exception
{
    public ModelVersionNotFoundException()
    {
    }

    public ModelVersionNotFoundException(string message)
        : base(message)
    {
    }

    public ModelVersionNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
