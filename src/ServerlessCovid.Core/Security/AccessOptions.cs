using System.ComponentModel.DataAnnotations;

namespace ServerlessCovid.Core.Security;

/// <summary>
/// How HTTP callers are identified and bound to a hospital (section <c>Access</c>): per-hospital API keys kept as
/// salted hashes in a table, and, behind Container Apps built-in authentication, the platform's client-principal
/// header mapped from app roles.
/// </summary>
public sealed class AccessOptions
{
    public const string SectionName = "Access";

    /// <summary>Table of API key hashes (never the keys themselves).</summary>
    [Required]
    [RegularExpression(@"\A[A-Za-z][A-Za-z0-9]{2,62}\z")]
    public string KeysTable { get; set; } = "HospitalApiKeys";

    /// <summary>Request header that carries an API key.</summary>
    [Required]
    [RegularExpression(@"\A[A-Za-z0-9-]{1,64}\z")]
    public string ApiKeyHeader { get; set; } = "x-api-key";

    /// <summary>
    /// Trust <c>X-MS-CLIENT-PRINCIPAL</c>. Only true where Container Apps built-in authentication sits in front of the
    /// app (it sets that header and removes any a client sends); anywhere else a client could forge it.
    /// </summary>
    public bool TrustClientPrincipal { get; set; }

    /// <summary>Claim type whose values are the caller's app roles (Microsoft Entra ID: <c>roles</c>).</summary>
    [Required]
    public string RoleClaimType { get; set; } = "roles";

    /// <summary>App role that makes a caller an administrator (retraining, rollback, model publish, key management).</summary>
    [Required]
    public string AdminRole { get; set; } = "ServerlessCovid.Admin";

    /// <summary>App roles <c>{prefix}{hospital}</c> bind a caller to that hospital; a caller needs exactly one.</summary>
    [Required]
    public string HospitalRolePrefix { get; set; } = "Hospital.";
}
