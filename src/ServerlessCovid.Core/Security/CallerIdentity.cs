using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Core.Security;

/// <summary>What an authenticated caller may do: one hospital's data, or the administrator's actions.</summary>
public enum CallerRole
{
    Hospital,
    Admin,
}

/// <summary>
/// An authenticated HTTP caller. <see cref="Name"/> identifies it in logs (an API key id or the principal's name),
/// never a secret.
/// </summary>
public sealed record CallerIdentity(CallerRole Role, string? Hospital, string Name, string Source)
{
    public bool IsAdmin => Role == CallerRole.Admin;

    public static CallerIdentity ForHospital(string hospital, string name, string source)
    {
        if (!HospitalIds.IsValid(hospital))
        {
            throw new ArgumentException($"'{hospital}' is not a valid hospital id: {HospitalIds.Rule}.", nameof(hospital));
        }

        return new CallerIdentity(CallerRole.Hospital, hospital, name, source);
    }

    public static CallerIdentity ForAdmin(string name, string source) => new(CallerRole.Admin, null, name, source);

    /// <summary>Whether this caller may act for <paramref name="hospital"/>: its own, or any for an administrator.</summary>
    public bool MayActFor(string? hospital) => IsAdmin || (hospital is not null && string.Equals(Hospital, hospital, StringComparison.Ordinal));

    public override string ToString() => IsAdmin ? $"admin {Name} ({Source})" : $"hospital {Hospital} as {Name} ({Source})";
}
