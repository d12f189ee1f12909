using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ServerlessCovid.Core.Storage;

/// <summary>Registers the model registry and the results table; needs <c>AddServerlessCovidCore()</c> for the clients.</summary>
public static class StorageServiceCollectionExtensions
{
    public static IServiceCollection AddTriageStorage(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<ModelRegistryOptions>().BindConfiguration(ModelRegistryOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<BlobModelRegistry>();
        services.TryAddSingleton<IModelRegistry>(provider => provider.GetRequiredService<BlobModelRegistry>());
        services.TryAddSingleton<TriageResultStore>();
        return services;
    }
}
