using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace ServerlessCovid.Core.Storage;

/// <summary>
/// Builds SDK clients from a Functions-style connection setting: either a connection string
/// (<c>AzureWebJobsStorage=UseDevelopmentStorage=true</c>, Azurite) or identity-based endpoints
/// (<c>AzureWebJobsStorage__blobServiceUri</c>, <c>__queueServiceUri</c>, <c>__tableServiceUri</c>, optional
/// <c>__clientId</c> of a user-assigned identity), as deployed by infra/ with shared-key access off.
/// </summary>
public sealed class StorageAccount
{
    private readonly string? _connectionString;
    private readonly TokenCredential? _credential;
    private readonly Uri? _blobUri;
    private readonly Uri? _queueUri;
    private readonly Uri? _tableUri;

    private StorageAccount(string connectionString) => _connectionString = connectionString;

    private StorageAccount(TokenCredential credential, Uri blobUri, Uri queueUri, Uri tableUri)
    {
        _credential = credential;
        _blobUri = blobUri;
        _queueUri = queueUri;
        _tableUri = tableUri;
    }

    public static StorageAccount FromConnectionString(string connectionString) => new(connectionString);

    /// <summary>
    /// The credential of an identity-based account (<c>DefaultAzureCredential</c>, or <c>ManagedIdentityCredential</c>
    /// when <c>__clientId</c> names a user-assigned identity); null for a connection string. Creating it calls nothing.
    /// </summary>
    public TokenCredential? Credential => _credential;

    /// <summary>The blob endpoint of an identity-based account; null for a connection string.</summary>
    public Uri? BlobServiceUri => _blobUri;

    /// <summary>Reads the connection named <paramref name="connectionName"/> the way the Functions host does.</summary>
    public static StorageAccount FromConfiguration(IConfiguration configuration, string connectionName)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        string? connectionString = configuration[connectionName] ?? configuration.GetConnectionString(connectionName);
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new StorageAccount(connectionString);
        }

        IConfigurationSection section = configuration.GetSection(connectionName);
        string? blob = section["blobServiceUri"];
        string? queue = section["queueServiceUri"];
        string? table = section["tableServiceUri"];
        if (blob is null || queue is null || table is null)
        {
            throw new InvalidOperationException(
                $"Storage connection '{connectionName}' is not configured: set '{connectionName}' to a connection string, "
                + $"or '{connectionName}__blobServiceUri', '__queueServiceUri' and '__tableServiceUri' for managed identity.");
        }

        string? clientId = section["clientId"];
        TokenCredential credential = clientId is null
            ? new DefaultAzureCredential()
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
        return new StorageAccount(credential, new Uri(blob), new Uri(queue), new Uri(table));
    }

    public BlobServiceClient CreateBlobServiceClient() =>
        _connectionString is not null ? new BlobServiceClient(_connectionString) : new BlobServiceClient(_blobUri, _credential);

    public QueueServiceClient CreateQueueServiceClient() =>
        _connectionString is not null ? new QueueServiceClient(_connectionString) : new QueueServiceClient(_queueUri, _credential);

    public TableServiceClient CreateTableServiceClient() =>
        _connectionString is not null ? new TableServiceClient(_connectionString) : new TableServiceClient(_tableUri, _credential);
}
