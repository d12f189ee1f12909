using ServerlessCovid.Functions.Http;
using ServerlessCovid.Functions.Retraining;

namespace ServerlessCovid.Functions.Security;

/// <summary>Who may call an HTTP function.</summary>
public enum RouteAccessLevel
{
    /// <summary>No credentials (the liveness probe).</summary>
    Anonymous,

    /// <summary>Any authenticated caller, hospital or administrator.</summary>
    AnyCaller,

    /// <summary>The hospital named by the route's <c>{hospital}</c>, or an administrator.</summary>
    OwnHospital,

    /// <summary>Administrators only: a hospital identity gets 403.</summary>
    Admin,
}

/// <summary>
/// The access level of every HTTP function, in one table. A function missing here is treated as
/// <see cref="RouteAccessLevel.Admin"/> (deny by default), and a test requires every HTTP function to be listed.
/// </summary>
public static class RouteAccess
{
    public const string HospitalRouteParameter = "hospital";

    public static IReadOnlyDictionary<string, RouteAccessLevel> Functions { get; } = new Dictionary<string, RouteAccessLevel>(StringComparer.Ordinal)
    {
        [nameof(GetHealth)] = RouteAccessLevel.Anonymous,
        [nameof(TriageXray)] = RouteAccessLevel.OwnHospital,
        [nameof(GetResult)] = RouteAccessLevel.OwnHospital,
        [nameof(GetResultHeatMap)] = RouteAccessLevel.OwnHospital,
        [nameof(ListResults)] = RouteAccessLevel.OwnHospital,
        [nameof(LabelResult)] = RouteAccessLevel.OwnHospital,
        [nameof(GetModel)] = RouteAccessLevel.AnyCaller,
        [nameof(GetModelFile)] = RouteAccessLevel.AnyCaller,
        [nameof(StartRetraining)] = RouteAccessLevel.Admin,
        [nameof(GetRetrainingStatus)] = RouteAccessLevel.Admin,
        [nameof(RollbackModel)] = RouteAccessLevel.Admin,
    };

    public static RouteAccessLevel For(string functionName) =>
        Functions.TryGetValue(functionName, out RouteAccessLevel level) ? level : RouteAccessLevel.Admin;
}
