using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServerlessCovid.Core.Datasets.Labelled;

namespace ServerlessCovid.Core.Datasets;

public static class DatasetsServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="LabelledImageStore"/>. Needs the <c>BlobServiceClient</c> and <c>StorageOptions</c> that
    /// <c>AddServerlessCovidCore()</c> registers. The generator and importers are static and need no registration.
    /// </summary>
    public static IServiceCollection AddDatasets(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<LabelledImageStore>();
        return services;
    }
}
