using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Core.Security;

/// <summary>An issued API key as listed: never the key or its hash.</summary>
public sealed record ApiKeyInfo(string Id, CallerRole Role, string? Hospital, string Name, DateTimeOffset CreatedUtc, DateTimeOffset? RevokedUtc)
{
    public bool Revoked => RevokedUtc is not null;
}

/// <summary>A newly issued key: <see cref="Key"/> is shown to the operator once and is not stored anywhere.</summary>
public sealed record IssuedApiKey(string Key, ApiKeyInfo Info);

/// <summary>
/// Per-hospital (and administrator) API keys in a table: one row per key (partition <c>key</c>, row key = key id)
/// with its role, hospital, salt and SHA-256 hash. Lookup is a point read by the id embedded in the key, then a
/// constant-time hash comparison; a revoked key stays listed with its revocation time.
/// </summary>
public sealed partial class ApiKeyStore
{
    private const string Partition = "key";

    private readonly TableClient _table;
    private readonly AsyncOnce _tableCreated;
    private readonly ILogger<ApiKeyStore> _logger;

    public ApiKeyStore(TableServiceClient tables, IOptions<AccessOptions> options, ILogger<ApiKeyStore> logger)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(options);
        _table = tables.GetTableClient(options.Value.KeysTable);
        _tableCreated = new AsyncOnce(ct => _table.CreateIfNotExistsAsync(ct));
        _logger = logger;
    }

    /// <summary>Issues a key bound to <paramref name="hospital"/>.</summary>
    public Task<IssuedApiKey> AddHospitalKeyAsync(string hospital, CancellationToken cancellationToken = default)
    {
        if (!HospitalIds.IsValid(hospital))
        {
            throw new ArgumentException($"Hospital id '{hospital}' is not valid: {HospitalIds.Rule}.", nameof(hospital));
        }

        return AddAsync(CallerRole.Hospital, hospital, hospital, cancellationToken);
    }

    /// <summary>Issues an administrator key; <paramref name="name"/> says whose it is in lists and logs.</summary>
    public Task<IssuedApiKey> AddAdminKeyAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!HospitalIds.IsValid(name))
        {
            throw new ArgumentException($"Admin key name '{name}' is not valid: {HospitalIds.Rule}.", nameof(name));
        }

        return AddAsync(CallerRole.Admin, null, name, cancellationToken);
    }

    public async Task<IReadOnlyList<ApiKeyInfo>> ListAsync(CancellationToken cancellationToken = default)
    {
        List<ApiKeyInfo> keys = await _tableCreated.RunAsync(
            async ct =>
            {
                List<ApiKeyInfo> read = [];
                await foreach (TableEntity entity in _table.QueryAsync<TableEntity>(
                    TableClient.CreateQueryFilter($"PartitionKey eq {Partition}"), cancellationToken: ct).ConfigureAwait(false))
                {
                    read.Add(ToInfo(entity));
                }

                return read;
            },
            cancellationToken).ConfigureAwait(false);

        return [.. keys.OrderBy(k => k.Hospital ?? string.Empty, StringComparer.Ordinal).ThenBy(k => k.CreatedUtc)];
    }

    /// <summary>Revokes a key by id; false when no such key exists. Revoking twice keeps the first time.</summary>
    public async Task<bool> RevokeAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!ApiKeys.IsValidId(id))
        {
            return false;
        }

        NullableResponse<TableEntity> row = await _tableCreated.RunAsync(
            ct => _table.GetEntityIfExistsAsync<TableEntity>(Partition, id, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
        if (!row.HasValue || row.Value is null)
        {
            return false;
        }

        if (row.Value.GetDateTimeOffset("RevokedUtc") is null)
        {
            row.Value["RevokedUtc"] = DateTimeOffset.UtcNow;
            await _tableCreated.RunAsync(
                ct => _table.UpdateEntityAsync(row.Value, row.Value.ETag, TableUpdateMode.Replace, ct), cancellationToken).ConfigureAwait(false);
            LogRevoked(_logger, id);
        }

        return true;
    }

    /// <summary>The identity a presented key stands for, or null for a malformed, unknown, revoked or wrong key.</summary>
    public async Task<CallerIdentity?> AuthenticateAsync(string? presentedKey, CancellationToken cancellationToken = default)
    {
        if (!ApiKeys.TryParse(presentedKey, out string id, out string secret))
        {
            return null;
        }

        NullableResponse<TableEntity> row = await _tableCreated.RunAsync(
            ct => _table.GetEntityIfExistsAsync<TableEntity>(Partition, id, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
        if (!row.HasValue || row.Value is not { } entity || entity.GetDateTimeOffset("RevokedUtc") is not null)
        {
            return null;
        }

        byte[]? salt = entity.GetBinary("Salt");
        byte[]? hash = entity.GetBinary("Hash");
        if (salt is null || hash is null || !ApiKeys.Verify(salt, hash, secret))
        {
            return null;
        }

        ApiKeyInfo info = ToInfo(entity);
        string name = "key " + id;
        return info.Role == CallerRole.Admin
            ? CallerIdentity.ForAdmin($"{name} ({info.Name})", "api-key")
            : CallerIdentity.ForHospital(info.Hospital!, name, "api-key");
    }

    private async Task<IssuedApiKey> AddAsync(CallerRole role, string? hospital, string name, CancellationToken cancellationToken)
    {
        (string key, string id, byte[] salt, byte[] hash) = ApiKeys.Generate();
        DateTimeOffset created = DateTimeOffset.UtcNow;
        TableEntity entity = new(Partition, id)
        {
            ["Role"] = role.ToString(),
            ["Hospital"] = hospital,
            ["Name"] = name,
            ["Salt"] = salt,
            ["Hash"] = hash,
            ["CreatedUtc"] = created,
        };
        await _tableCreated.RunAsync(ct => _table.AddEntityAsync(entity, ct), cancellationToken).ConfigureAwait(false);
        LogIssued(_logger, id, role, name);
        return new IssuedApiKey(key, new ApiKeyInfo(id, role, hospital, name, created, null));
    }

    private static ApiKeyInfo ToInfo(TableEntity entity) => new(
        entity.RowKey,
        Enum.TryParse(entity.GetString("Role"), out CallerRole role) ? role : CallerRole.Hospital,
        entity.GetString("Hospital"),
        entity.GetString("Name") ?? entity.RowKey,
        entity.GetDateTimeOffset("CreatedUtc") ?? entity.Timestamp ?? DateTimeOffset.MinValue,
        entity.GetDateTimeOffset("RevokedUtc"));

    [LoggerMessage(Level = LogLevel.Information, Message = "API key {KeyId} issued ({Role} {Name})")]
    private static partial void LogIssued(ILogger logger, string keyId, CallerRole role, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "API key {KeyId} revoked")]
    private static partial void LogRevoked(ILogger logger, string keyId);
}
