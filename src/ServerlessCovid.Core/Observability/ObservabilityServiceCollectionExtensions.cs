using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ServerlessCovid.Core.Observability;

/// <summary>Registers <see cref="TriageMetrics"/> and the meter factory it is created from.</summary>
public static class ObservabilityServiceCollectionExtensions
{
    public static IServiceCollection AddTriageMetrics(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<TriageMetrics>();
        return services;
    }
}
