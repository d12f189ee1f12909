using System.Text;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ServerlessCovid.Core.Storage;

/// <summary>
/// The <c>TriageResults</c> table: partition key = hospital, so no query can ever cross hospitals. Writes go through
/// optimistic concurrency (ETag) and one entity-group transaction per result, so the main row and its newest-first
/// index row (see <see cref="TriageResultEntities"/>) never disagree.
/// </summary>
public sealed partial class TriageResultStore
{
    private const int MaxAttempts = 16;

    private const int MaxServicePagesPerCall = 10;

    // Bounds the point reads behind one listing page (up to 1000 rows) so one request cannot flood the account.
    private const int MaxParallelReads = 16;

    private readonly TableClient _table;
    private readonly ILogger<TriageResultStore> _logger;
    private readonly AsyncOnce _tableCreated;

    public TriageResultStore(TableServiceClient tables, IOptions<StorageOptions> options, ILogger<TriageResultStore> logger)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(options);
        _table = tables.GetTableClient(options.Value.ResultsTable);
        _logger = logger;
        _tableCreated = new AsyncOnce(ct => _table.CreateIfNotExistsAsync(ct));
    }

    public async Task<TriageResult?> GetAsync(string hospital, string id, CancellationToken cancellationToken = default)
    {
        if (!HospitalIds.IsValid(hospital) || !ResultIds.IsValid(id))
        {
            return null;
        }

        TableEntity? entity = await GetEntityAsync(hospital, id, cancellationToken).ConfigureAwait(false);
        return entity is null ? null : TriageResultEntities.FromEntity(entity);
    }

    /// <summary>
    /// Inserts or replaces a result. When the row already exists for the same image content, its creation time
    /// and confirmed label are kept: a replayed delivery must not erase a clinician's label or jump to the top of
    /// the list. When the content changed (a new image under the same blob name), the new result replaces it all.
    /// </summary>
    public Task<TriageResult> UpsertAsync(TriageResult result, CancellationToken cancellationToken = default) =>
        UpsertAsync(result, rowSeenAbsent: false, cancellationToken);

    /// <summary>
    /// <see cref="UpsertAsync(TriageResult, CancellationToken)"/> for a caller that has just read the row and found
    /// none (the blob path's duplicate check): the first attempt inserts without reading the row again. If another
    /// writer created it in between, the insert fails with 409 and the write falls back to read, merge and write, so
    /// a label set meanwhile is kept exactly as in the plain overload.
    /// </summary>
    public async Task<TriageResult> UpsertAsync(TriageResult result, bool rowSeenAbsent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        EnsureKeys(result.Hospital, result.Id);
        await _tableCreated.RunAsync(cancellationToken).ConfigureAwait(false);
        bool skipRead = rowSeenAbsent;
        for (int attempt = 1; ; attempt++)
        {
            TableEntity? existing = skipRead
                ? null
                : await GetEntityAsync(result.Hospital, result.Id, cancellationToken).ConfigureAwait(false);
            TriageResult merged = Merge(existing is null ? null : TriageResultEntities.FromEntity(existing), result);
            try
            {
                await WriteAsync(merged, existing, cancellationToken).ConfigureAwait(false);
                return merged;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 && skipRead && attempt < MaxAttempts)
            {
                // The row appeared after the caller's read: no contention to back off from, just read it this time.
                LogConcurrentWrite(_logger, result.Hospital, result.Id, attempt);
                skipRead = false;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxAttempts)
            {
                LogConcurrentWrite(_logger, result.Hospital, result.Id, attempt);
                await BackOffAsync(attempt, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (AsyncOnce.IsMissingResource(ex) && attempt < MaxAttempts)
            {
                // The table was deleted under us: create it again and write.
                _tableCreated.Forget();
                await _tableCreated.RunAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Applies <paramref name="update"/> to an existing result under optimistic concurrency (re-read and re-applied
    /// on conflict). Returns null when the result does not exist. An update that changes nothing writes nothing, so
    /// callers that only set a value when it differs do not contend with each other.
    /// </summary>
    /// <exception cref="RequestFailedException">409 or 412: other writers kept winning for every attempt.</exception>
    public async Task<TriageResult?> UpdateAsync(
        string hospital, string id, Func<TriageResult, TriageResult> update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (!HospitalIds.IsValid(hospital) || !ResultIds.IsValid(id))
        {
            return null;
        }

        for (int attempt = 1; ; attempt++)
        {
            TableEntity? existing = await GetEntityAsync(hospital, id, cancellationToken).ConfigureAwait(false);
            if (existing is null)
            {
                return null;
            }

            TriageResult current = TriageResultEntities.FromEntity(existing);
            TriageResult updated = update(current) with { Hospital = hospital, Id = id };
            if (updated == current)
            {
                return current;
            }

            try
            {
                await WriteAsync(updated, existing, cancellationToken).ConfigureAwait(false);
                return updated;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxAttempts)
            {
                LogConcurrentWrite(_logger, hospital, id, attempt);
                await BackOffAsync(attempt, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A page of one hospital's results, newest first, filtered on the service side.</summary>
    public async Task<TriageResultPage> ListAsync(
        string hospital, TriageResultQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (!HospitalIds.IsValid(hospital))
        {
            throw new ArgumentException($"Hospital id '{hospital}' is not valid: {HospitalIds.Rule}.", nameof(hospital));
        }

        if (query.PageSize is < 1 or > TriageResultQuery.MaxPageSize)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.PageSize, $"Page size must be 1-{TriageResultQuery.MaxPageSize}.");
        }

        string filter = BuildFilter(hospital, query);
        string? token = DecodeToken(query.ContinuationToken);
        List<TriageResult> items = [];
        try
        {
            // The service can return empty pages with a token while more rows follow (a filtered scan hits its time or
            // partition-range limit; Azurite filters before paging and never does); keep reading
            // until something matched, but bounded, so a filter that matches nothing in a huge partition cannot hold
            // one request for minutes: after that an empty page with a token says "keep going".
            int servicePages = 0;
            do
            {
                servicePages++;
                Page<TableEntity>? page = null;
                await foreach (Page<TableEntity> p in _table.QueryAsync<TableEntity>(filter, query.PageSize, cancellationToken: cancellationToken)
                    .AsPages(token, query.PageSize).ConfigureAwait(false))
                {
                    page = p;
                    break;
                }

                if (page is null)
                {
                    token = null;
                    break;
                }

                items.AddRange(await ReadIndexedAsync(hospital, page.Values, cancellationToken).ConfigureAwait(false));
                token = page.ContinuationToken;
            }
            while (items.Count == 0 && token is not null && servicePages < MaxServicePagesPerCall);
        }
        catch (RequestFailedException ex) when (ex.Status == 404 && ex.ErrorCode == "TableNotFound")
        {
            return new TriageResultPage([], null);
        }
        catch (RequestFailedException ex) when (ex.Status is >= 400 and < 500 && query.ContinuationToken is not null)
        {
            throw new InvalidContinuationTokenException("The continuation token was not accepted by the results table.", ex);
        }

        return new TriageResultPage(items, EncodeToken(token));
    }

    /// <summary>
    /// The main rows an index page points at, in index order, by parallel point reads. A main row that is missing (a
    /// half-finished write by older code, or a row deleted by hand) or that has moved to another index row (rewritten
    /// with new content since the page was read) is skipped: it is either gone or listed at its new place.
    /// </summary>
    private async Task<IEnumerable<TriageResult>> ReadIndexedAsync(
        string hospital, IReadOnlyList<TableEntity> indexRows, CancellationToken cancellationToken)
    {
        TableEntity?[] rows = new TableEntity?[indexRows.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, indexRows.Count),
            new ParallelOptions { MaxDegreeOfParallelism = MaxParallelReads, CancellationToken = cancellationToken },
            async (i, ct) => rows[i] = await GetEntityAsync(hospital, TriageResultEntities.IndexedResultId(indexRows[i]), ct).ConfigureAwait(false))
            .ConfigureAwait(false);

        List<TriageResult> results = new(rows.Length);
        for (int i = 0; i < rows.Length; i++)
        {
            string indexRowKey = indexRows[i].RowKey;
            if (rows[i] is not { } row)
            {
                LogMissingResultRow(_logger, hospital, indexRowKey);
            }
            else if (row.GetString(TriageResultEntities.IndexRowKeyColumn) is { } current && current != indexRowKey)
            {
                LogMovedResultRow(_logger, hospital, indexRowKey, current);
            }
            else
            {
                results.Add(TriageResultEntities.FromEntity(row));
            }
        }

        return results;
    }

    private static string BuildFilter(string hospital, TriageResultQuery query)
    {
        string upper = query.From is { } from ? TriageResultEntities.IndexBoundAfter(from) : TriageResultEntities.IndexPrefix + "~";
        string lower = query.To is { } to ? TriageResultEntities.IndexBoundBefore(to) : TriageResultEntities.IndexPrefix;
        List<string> clauses =
        [
            TableClient.CreateQueryFilter($"PartitionKey eq {hospital} and RowKey ge {lower} and RowKey lt {upper}"),
        ];
        if (query.Label is { } label)
        {
            clauses.Add(TableClient.CreateQueryFilter($"Label eq {label}"));
        }

        List<TriageStatus> statuses = [.. (query.Statuses ?? []).Concat(query.Status is { } one ? [one] : []).Distinct()];
        if (statuses.Count > 0)
        {
            clauses.Add("(" + string.Join(" or ", statuses.Select(
                status => TableClient.CreateQueryFilter($"Status eq {TriageResultEntities.StatusName(status)}"))) + ")");
        }

        return string.Join(" and ", clauses);
    }

    private async Task WriteAsync(TriageResult result, TableEntity? existing, CancellationToken cancellationToken)
    {
        TableEntity index = TriageResultEntities.ToIndexEntity(result);
        string indexRowKey = index.RowKey;
        // The index row is rewritten with every write (a label write too) although its columns rarely change: this
        // keeps a single write path, repairs a missing index row, and slims an older full-width one in passing.
        List<TableTransactionAction> actions =
        [
            existing is null
                ? new TableTransactionAction(TableTransactionActionType.Add, TriageResultEntities.ToEntity(result))
                : new TableTransactionAction(TableTransactionActionType.UpdateReplace, TriageResultEntities.ToEntity(result), existing.ETag),
            new TableTransactionAction(TableTransactionActionType.UpsertReplace, index),
        ];
        string? oldIndexRowKey = existing?.GetString(TriageResultEntities.IndexRowKeyColumn);
        if (oldIndexRowKey is not null && oldIndexRowKey != indexRowKey)
        {
            actions.Add(new TableTransactionAction(
                TableTransactionActionType.Delete, new TableEntity(result.Hospital, oldIndexRowKey), ETag.All));
        }

        await _table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
    }

    private static TriageResult Merge(TriageResult? existing, TriageResult incoming)
    {
        // Table Storage keeps DateTime to the 100 ns tick, but Azurite and JSON clients round-trip milliseconds
        // more reliably; index row keys are derived from this value, so it is normalised once here.
        DateTimeOffset created = TruncateToMilliseconds(incoming.CreatedUtc);
        if (existing is null || existing.ContentSha256 is null || existing.ContentSha256 != incoming.ContentSha256)
        {
            return incoming with { CreatedUtc = created };
        }

        return incoming with
        {
            CreatedUtc = existing.CreatedUtc,
            ConfirmedLabel = incoming.ConfirmedLabel ?? existing.ConfirmedLabel,
            LabelledBy = incoming.LabelledBy ?? existing.LabelledBy,
            LabelledUtc = incoming.LabelledUtc ?? existing.LabelledUtc,
            LabelledImageBlobName = incoming.LabelledImageBlobName ?? existing.LabelledImageBlobName,
        };
    }

    private async Task<TableEntity?> GetEntityAsync(string hospital, string id, CancellationToken cancellationToken)
    {
        try
        {
            NullableResponse<TableEntity> response = await _table
                .GetEntityIfExistsAsync<TableEntity>(hospital, id, cancellationToken: cancellationToken).ConfigureAwait(false);
            return response.HasValue ? response.Value : null;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Jittered, growing pause so writers racing on one result stop colliding in lockstep.</summary>
    private static Task BackOffAsync(int attempt, CancellationToken cancellationToken) =>
        Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 10 + (10 * Math.Min(attempt, 10)))), cancellationToken);

    private static void EnsureKeys(string hospital, string id)
    {
        if (!HospitalIds.IsValid(hospital))
        {
            throw new ArgumentException($"Hospital id '{hospital}' is not valid: {HospitalIds.Rule}.", nameof(hospital));
        }

        if (!ResultIds.IsValid(id))
        {
            throw new ArgumentException($"Result id '{id}' is not valid: expected 32 lower-case hex digits.", nameof(id));
        }
    }

    private static DateTimeOffset TruncateToMilliseconds(DateTimeOffset time)
    {
        DateTimeOffset utc = time.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }

    // The SDK's token is "partitionKey rowKey" in plain text; callers get it base64url-encoded so it survives query
    // strings untouched and is plainly opaque.
    private static string? EncodeToken(string? token) =>
        token is null ? null : Convert.ToBase64String(Encoding.UTF8.GetBytes(token)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string? DecodeToken(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        if (token.Length > TriageResultQuery.MaxContinuationTokenLength)
        {
            throw new InvalidContinuationTokenException(
                $"The continuation token is longer than {TriageResultQuery.MaxContinuationTokenLength} characters; start the listing again without it.");
        }

        try
        {
            string base64 = token.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            string decoded = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            if (decoded.Length == 0 || decoded.Any(c => c is < ' ' or > '~') || decoded.Count(c => c == ' ') != 1)
            {
                // The table SDK's tokens are "{next partition key} {next row key}" in printable ASCII; anything else
                // was not issued here, and would end up in a request header.
                throw new InvalidContinuationTokenException("The continuation token is malformed; start the listing again without it.");
            }

            return decoded;
        }
        catch (FormatException ex)
        {
            throw new InvalidContinuationTokenException("The continuation token is malformed; start the listing again without it.", ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Concurrent write to result {Hospital}/{ResultId} (attempt {Attempt}); retrying")]
    private static partial void LogConcurrentWrite(ILogger logger, string hospital, string resultId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Index row {Hospital}/{IndexRowKey} has no result row; skipped from the listing")]
    private static partial void LogMissingResultRow(ILogger logger, string hospital, string indexRowKey);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Index row {Hospital}/{IndexRowKey} is stale (the result is now at {CurrentIndexRowKey}); skipped")]
    private static partial void LogMovedResultRow(ILogger logger, string hospital, string indexRowKey, string currentIndexRowKey);
}
