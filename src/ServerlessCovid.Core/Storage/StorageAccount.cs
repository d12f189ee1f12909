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
            throw new StorageNotConfiguredException(
                connectionName,
                $"Storage connection '{connectionName}' is not configured: set '{connectionName}' to a connection string, "
                + $"or '{connectionName}__blobServiceUri', '__queueServiceUri' and '__tableServiceUri' for managed identity.");
        }

        string? clientId = section["clientId"];
        TokenCredential credential = clientId is null
            ? new DefaultAzureCredential()
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
        return new StorageAccount(credential, new Uri(blob), new Uri(queue), new Uri(table));
    }

    /// <summary>
    /// Retry settings for every client this account creates; null keeps the SDK's defaults (the Functions app). The CLI
    /// sets a short policy so an unreachable account fails in seconds instead of after the SDK's retries.
    /// </summary>
    public Action<Azure.Core.ClientOptions>? ConfigureClientOptions { get; set; }

    public BlobServiceClient CreateBlobServiceClient()
    {
        BlobClientOptions options = Configure(new BlobClientOptions());
        return _connectionString is not null ? new BlobServiceClient(_connectionString, options) : new BlobServiceClient(_blobUri, _credential, options);
    }

    public QueueServiceClient CreateQueueServiceClient()
    {
        QueueClientOptions options = Configure(new QueueClientOptions());
        return _connectionString is not null ? new QueueServiceClient(_connectionString, options) : new QueueServiceClient(_queueUri, _credential, options);
    }

    public TableServiceClient CreateTableServiceClient()
    {
        TableClientOptions options = Configure(new TableClientOptions());
        return _connectionString is not null ? new TableServiceClient(_connectionString, options) : new TableServiceClient(_tableUri, _credential, options);
    }

    private T Configure<T>(T options)
        where T : Azure.Core.ClientOptions
    {
        ConfigureClientOptions?.Invoke(options);
        return options;
    }
}

/// <summary>No storage account is configured under the connection name the settings use.</summary>
public sealed class StorageNotConfiguredException : InvalidOperationException
{
    public StorageNotConfiguredException()
    {
    }

    public StorageNotConfiguredException(string message)
        : base(message)
    {
    }

    public StorageNotConfiguredException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public StorageNotConfiguredException(string connectionName, string message)
        : base(message) => ConnectionName = connectionName;

    /// <summary>The connection setting's name (<c>AzureWebJobsStorage</c> unless <c>Storage:Connection</c> says otherwise).</summary>
    public string? ConnectionName { get; }
}
