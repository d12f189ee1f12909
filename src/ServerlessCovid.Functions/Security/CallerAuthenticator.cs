using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Security;
using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Functions.Security;

/// <summary>The outcome of reading a request's credentials.</summary>
public sealed record Authentication(CallerIdentity? Caller, bool CredentialsPresented, string? Failure)
{
    public static Authentication None { get; } = new(null, false, null);

    public static Authentication Refused(string failure) => new(null, true, failure);
}

/// <summary>
/// Reads a request's identity: an API key in <see cref="AccessOptions.ApiKeyHeader"/>, else (only when
/// <see cref="AccessOptions.TrustClientPrincipal"/>) the Container Apps client-principal header, whose app roles map
/// to the administrator or to exactly one hospital.
/// </summary>
public sealed class CallerAuthenticator(ApiKeyStore keys, IOptions<AccessOptions> options)
{
    public const string ClientPrincipalHeader = "X-MS-CLIENT-PRINCIPAL";

    private const string RoleClaimUri = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role";

    private readonly AccessOptions _options = options.Value;

    public async Task<Authentication> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Headers.TryGetValue(_options.ApiKeyHeader, out Microsoft.Extensions.Primitives.StringValues presented)
            && presented.Count > 0)
        {
            CallerIdentity? caller = presented.Count == 1
                ? await keys.AuthenticateAsync(presented[0], cancellationToken).ConfigureAwait(false)
                : null;
            return caller is null ? Authentication.Refused("The API key is not valid or has been revoked.") : new Authentication(caller, true, null);
        }

        if (_options.TrustClientPrincipal
            && request.Headers.TryGetValue(ClientPrincipalHeader, out Microsoft.Extensions.Primitives.StringValues principal)
            && principal.Count == 1)
        {
            return FromClientPrincipal(principal[0]!, _options);
        }

        return Authentication.None;
    }

    /// <summary>Maps the base64 JSON client principal (<c>auth_typ</c>, <c>claims[{typ,val}]</c>, <c>role_typ</c>).</summary>
    public static Authentication FromClientPrincipal(string header, AccessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<(string Type, string Value)> claims = [];
        string? roleType;
        string? nameType;
        try
        {
            using JsonDocument document = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(header)));
            JsonElement root = document.RootElement;
            roleType = root.TryGetProperty("role_typ", out JsonElement r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            nameType = root.TryGetProperty("name_typ", out JsonElement n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            if (root.TryGetProperty("claims", out JsonElement list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement claim in list.EnumerateArray())
                {
                    if (claim.ValueKind == JsonValueKind.Object
                        && claim.TryGetProperty("typ", out JsonElement typ) && typ.ValueKind == JsonValueKind.String
                        && claim.TryGetProperty("val", out JsonElement val) && val.ValueKind == JsonValueKind.String)
                    {
                        claims.Add((typ.GetString()!, val.GetString()!));
                    }
                }
            }
        }
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidOperationException)
        {
            return Authentication.Refused("The client principal header is malformed.");
        }

        HashSet<string> roles = [.. claims
            .Where(c => c.Type == options.RoleClaimType || c.Type == roleType || c.Type == RoleClaimUri)
            .Select(c => c.Value)];
        string name = claims.FirstOrDefault(c => c.Type == nameType || c.Type is "preferred_username" or "name").Value
            ?? claims.FirstOrDefault(c => c.Type is "oid" or "http://schemas.microsoft.com/identity/claims/objectidentifier").Value
            ?? "unnamed principal";
        if (roles.Contains(options.AdminRole))
        {
            return new Authentication(CallerIdentity.ForAdmin(name, "entra"), true, null);
        }

        List<string> hospitals = [.. roles
            .Where(role => role.StartsWith(options.HospitalRolePrefix, StringComparison.Ordinal))
            .Select(role => role[options.HospitalRolePrefix.Length..])
            .Distinct(StringComparer.Ordinal)];
        if (hospitals.Count != 1 || !HospitalIds.IsValid(hospitals[0]))
        {
            return Authentication.Refused(
                $"The signed-in principal must hold the '{options.AdminRole}' app role or exactly one '{options.HospitalRolePrefix}<hospital>' role.");
        }

        return new Authentication(CallerIdentity.ForHospital(hospitals[0], name, "entra"), true, null);
    }
}
