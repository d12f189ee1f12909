using Microsoft.Extensions.DependencyInjection;

namespace ServerlessCovid.Core.Security;

/// <summary>Registrations of the access layer's storage side (API keys), shared by the Functions app and the CLI.</summary>
public static class AccessServiceCollectionExtensions
{
    public static IServiceCollection AddHospitalAccess(this IServiceCollection services)
    {
        services.AddOptions<AccessOptions>().BindConfiguration(AccessOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ApiKeyStore>();
        return services;
    }
}
