using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace ServerlessCovid.Core.Security;

/// <summary>
/// API key format and hashing. A key is <c>sck_{id}_{secret}</c>: the id (12 hex characters) names its table row,
/// the secret is 256 random bits. Only SHA-256(salt ‖ secret) is stored: the secret has full entropy, so a slow hash
/// adds nothing, and comparison is constant-time.
/// </summary>
public static partial class ApiKeys
{
    public const string Prefix = "sck_";

    private const int IdBytes = 6;
    private const int SecretBytes = 32;
    private const int SaltBytes = 16;

    /// <summary>A new key with its id, salt and hash; the key itself is shown once and never stored.</summary>
    public static (string Key, string Id, byte[] Salt, byte[] Hash) Generate()
    {
        string id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdBytes));
        string secret = Base64Url(RandomNumberGenerator.GetBytes(SecretBytes));
        byte[] salt = RandomNumberGenerator.GetBytes(SaltBytes);
        return ($"{Prefix}{id}_{secret}", id, salt, Hash(salt, secret));
    }

    /// <summary>Splits a presented key into id and secret; false for anything not shaped like a key.</summary>
    public static bool TryParse(string? key, out string id, out string secret)
    {
        id = string.Empty;
        secret = string.Empty;
        if (key is null)
        {
            return false;
        }

        Match match = KeyPattern().Match(key);
        if (!match.Success)
        {
            return false;
        }

        id = match.Groups["id"].Value;
        secret = match.Groups["secret"].Value;
        return true;
    }

    public static bool IsValidId(string? id) => id is not null && IdPattern().IsMatch(id);

    public static byte[] Hash(byte[] salt, string secret)
    {
        ArgumentNullException.ThrowIfNull(salt);
        ArgumentNullException.ThrowIfNull(secret);
        byte[] secretBytes = Encoding.UTF8.GetBytes(secret);
        byte[] input = new byte[salt.Length + secretBytes.Length];
        salt.CopyTo(input, 0);
        secretBytes.CopyTo(input, salt.Length);
        return SHA256.HashData(input);
    }

    /// <summary>Constant-time check of a presented secret against a stored salt and hash.</summary>
    public static bool Verify(byte[] salt, byte[] expectedHash, string secret) =>
        CryptographicOperations.FixedTimeEquals(Hash(salt, secret), expectedHash);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex(@"\Asck_(?<id>[0-9a-f]{12})_(?<secret>[A-Za-z0-9_-]{43})\z", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();

    [GeneratedRegex(@"\A[0-9a-f]{12}\z", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
