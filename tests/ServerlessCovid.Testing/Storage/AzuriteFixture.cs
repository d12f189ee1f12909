using Azure.Data.Tables;
using Azure.Storage.Blobs;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Core.Storage.Emulator;
using Xunit;

namespace ServerlessCovid.Testing.Storage;

/// <summary>
/// One Azurite per test assembly (loopback, in memory, OS-chosen ports, telemetry off), started on first use and
/// stopped after the last test. Set SERVERLESSCOVID_TEST_STORAGE to a connection string to use another account.
/// Tests isolate themselves with <see cref="NewStorageOptions"/>, so they can run in any order.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public const string ConnectionStringVariable = "SERVERLESSCOVID_TEST_STORAGE";

    private AzuriteProcess? _azurite;
    private readonly List<string> _containers = [];
    private readonly List<string> _tables = [];

    public string ConnectionString { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        string? external = Environment.GetEnvironmentVariable(ConnectionStringVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            ConnectionString = external;
            return;
        }

        _azurite = await AzuriteProcess.StartAsync();
        ConnectionString = _azurite.ConnectionString;
    }

    public BlobServiceClient CreateBlobServiceClient() => new(ConnectionString);

    public TableServiceClient CreateTableServiceClient() => new(ConnectionString);

    /// <summary>Storage options whose containers and tables are unique to the calling test.</summary>
    public StorageOptions NewStorageOptions()
    {
        string suffix = Guid.NewGuid().ToString("N")[..10];
        StorageOptions options = new()
        {
            XraysContainer = $"xrays-{suffix}",
            HeatMapsContainer = $"heatmaps-{suffix}",
            LabelledContainer = $"labelled-{suffix}",
            ModelsContainer = $"models-{suffix}",
            RetrainingContainer = $"retraining-{suffix}",
            ResultsTable = $"Results{suffix}",
            RetrainingRunsTable = $"Runs{suffix}",
        };
        lock (_containers)
        {
            _containers.AddRange([options.XraysContainer, options.HeatMapsContainer, options.LabelledContainer, options.ModelsContainer, options.RetrainingContainer]);
            _tables.AddRange([options.ResultsTable, options.RetrainingRunsTable]);
        }

        return options;
    }

    public async Task DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
            return;
        }

        // A shared external account outlives the run: delete what the tests created.
        BlobServiceClient blobs = CreateBlobServiceClient();
        TableServiceClient tables = CreateTableServiceClient();
        foreach (string container in _containers)
        {
            await blobs.GetBlobContainerClient(container).DeleteIfExistsAsync();
        }

        foreach (string table in _tables)
        {
            await tables.DeleteTableAsync(table);
        }
    }
}

/// <summary>
/// Name of the collection that shares one <see cref="AzuriteFixture"/>. xunit only discovers collection definitions
/// in the test assembly itself, so each test project declares
/// <c>[CollectionDefinition(TestCollections.Azurite)] class AzuriteCollectionDefinition : ICollectionFixture&lt;AzuriteFixture&gt;</c>.
/// </summary>
public static class TestCollections
{
    public const string Azurite = "Azurite";
}
