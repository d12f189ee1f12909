using Microsoft.Extensions.DependencyInjection;
using ServerlessCovid.Core.Datasets;
using ServerlessCovid.Core.DependencyInjection;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Security;
using ServerlessCovid.Core.Triage;
using ServerlessCovid.Functions.Security;
using ServerlessCovid.Functions.Triage;
using ServerlessCovid.Retraining;

namespace ServerlessCovid.Functions;

/// <summary>Composition root of the Functions app: everything a function class can ask for in its constructor.</summary>
public static class ServerlessCovidFunctionsServiceCollectionExtensions
{
    public static IServiceCollection AddServerlessCovid(this IServiceCollection services)
    {
        services.AddServerlessCovidCore();
        services.AddXrayInference();
        services.AddDatasets();
        services.AddTriage();
        services.AddRetraining();
        services.AddHospitalAccess();
        services.AddSingleton<CallerAuthenticator>();
        services.AddSingleton<HttpAccessGate>();
        services.AddSingleton<XrayBlobHandler>();
        return services;
    }
}
