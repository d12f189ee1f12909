using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Functions.Tests.Infrastructure;

/// <summary>
/// The Functions app's real composition root (<see cref="ServerlessCovidFunctionsServiceCollectionExtensions.AddServerlessCovid"/>)
/// over settings shaped like local.settings.json, pointed at Azurite with containers and tables unique to one test.
/// Function classes are created from it exactly as the worker would, through their constructors.
/// </summary>
internal sealed class FunctionsTestApp : IAsyncDisposable
{
    private FunctionsTestApp(ServiceProvider provider, StorageOptions storage, string connectionString)
    {
        Provider = provider;
        Storage = storage;
        Blobs = new BlobServiceClient(connectionString);
    }

    public ServiceProvider Provider { get; }

    public StorageOptions Storage { get; }

    public BlobServiceClient Blobs { get; }

    public BlobContainerClient Xrays => Blobs.GetBlobContainerClient(Storage.XraysContainer);

    public BlobModelRegistry Registry => Provider.GetRequiredService<BlobModelRegistry>();

    public TriageResultStore Results => Provider.GetRequiredService<TriageResultStore>();

    /// <param name="azurite">The shared emulator.</param>
    /// <param name="overrides">Settings over the local.settings.json-shaped defaults.</param>
    /// <param name="services">Registrations after the app's own (e.g. log capture), before the provider is built.</param>
    public static FunctionsTestApp Create(
        AzuriteFixture azurite, IDictionary<string, string?>? overrides = null, Action<IServiceCollection>? services = null)
    {
        StorageOptions storage = azurite.NewStorageOptions();
        storage.UploadsContainer = "uploads-" + storage.XraysContainer["xrays-".Length..];
        Dictionary<string, string?> settings = new()
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Storage:XraysContainer"] = storage.XraysContainer,
            ["Storage:UploadsContainer"] = storage.UploadsContainer,
            ["Storage:HeatMapsContainer"] = storage.HeatMapsContainer,
            ["Storage:LabelledContainer"] = storage.LabelledContainer,
            ["Storage:ModelsContainer"] = storage.ModelsContainer,
            ["Storage:RetrainingContainer"] = storage.RetrainingContainer,
            ["Storage:ResultsTable"] = storage.ResultsTable,
            ["Storage:RetrainingRunsTable"] = storage.RetrainingRunsTable,
            ["Inference:ExecutionProvider"] = "Cpu",
            ["Triage:ModelRefreshSeconds"] = "30",
            ["Triage:RetryAfterSeconds"] = "45",
        };
        foreach ((string key, string? value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        ServiceCollection collection = new();
        collection.AddSingleton(configuration);
        collection.AddLogging();
        collection.AddServerlessCovid();
        services?.Invoke(collection);
        ServiceProvider provider = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        provider.GetRequiredService<IStartupValidator>().Validate();
        return new FunctionsTestApp(provider, provider.GetRequiredService<IOptions<StorageOptions>>().Value, azurite.ConnectionString);
    }

    public T Function<T>()
        where T : class => ActivatorUtilities.CreateInstance<T>(Provider);

    public async Task<BlobClient> UploadXrayAsync(string blobName, byte[] content)
    {
        await Xrays.CreateIfNotExistsAsync();
        BlobClient blob = Xrays.GetBlobClient(blobName);
        await blob.UploadAsync(BinaryData.FromBytes(content), overwrite: true);
        return blob;
    }

    public Task<CurrentModelPointer> PublishAsync(ModelPackage package, string? expectedETag = null, string? artifacts = null) =>
        Registry.PublishAsync(package, artifacts, expectedETag);

    public ValueTask DisposeAsync() => Provider.DisposeAsync();
}
