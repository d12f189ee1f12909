using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Core.DependencyInjection;

/// <summary>Registers the Core services every host (Functions app, CLI) shares.</summary>
public static class CoreServiceCollectionExtensions
{
    /// <summary>Options validated at start-up, and the storage clients as singletons.</summary>
    public static IServiceCollection AddServerlessCovidCore(this IServiceCollection services)
    {
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<InferenceOptions>().BindConfiguration(InferenceOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton(provider => StorageAccount.FromConfiguration(
            provider.GetRequiredService<IConfiguration>(),
            provider.GetRequiredService<IOptions<StorageOptions>>().Value.Connection));
        services.AddSingleton<BlobServiceClient>(p => p.GetRequiredService<StorageAccount>().CreateBlobServiceClient());
        services.AddSingleton<QueueServiceClient>(p => p.GetRequiredService<StorageAccount>().CreateQueueServiceClient());
        services.AddSingleton<TableServiceClient>(p => p.GetRequiredService<StorageAccount>().CreateTableServiceClient());

        services.AddSingleton<OnnxSessionFactory>();
        return services;
    }
}
