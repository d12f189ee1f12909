using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ServerlessCovid.Core.Datasets;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Security;
using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Cli.Infrastructure;

/// <summary>
/// The areas' registrations, called once by <see cref="CliServices.Build"/> after <c>AddServerlessCovidCore()</c>:
/// one line per area, each area's method living next to the services it registers.
/// </summary>
internal static class CliComposition
{
    public static IServiceCollection AddServerlessCovidAreas(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddTriageStorage();
        services.AddDatasets();
        services.AddXrayInference();
        services.AddHospitalAccess();
        return services;
    }
}
