using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace ServerlessCovid.Core.Storage;

/// <summary>
/// Result ids are derived, never random, so that every re-delivery of the same image lands on the same row:
/// blob results from (hospital, blob name) — one row per blob, whatever the host retries or replays — and HTTP
/// results from (hospital, content SHA-256), so posting identical bytes twice overwrites instead of duplicating.
/// 128 bits of SHA-256 in lower-case hex: unguessable from outside, and safe as a row key and URL segment.
/// </summary>
public static partial class ResultIds
{
    public static string ForBlob(string hospital, string blobName) => Derive(hospital, "blob", blobName);

    public static string ForHttp(string hospital, string contentSha256) => Derive(hospital, TriageResult.HttpSource, contentSha256);

    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id);

    private static string Derive(string hospital, string kind, string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(hospital);
        ArgumentException.ThrowIfNullOrEmpty(key);
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{hospital}\n{kind}\n{key}"));
        return Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }

    [GeneratedRegex(@"\A[0-9a-f]{32}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
