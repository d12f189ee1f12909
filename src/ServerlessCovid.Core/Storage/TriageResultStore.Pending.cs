using Azure;
using Azure.Data.Tables;

namespace ServerlessCovid.Core.Storage;

public sealed partial class TriageResultStore
{
    /// <summary>
    /// Up to <paramref name="max"/> <see cref="TriageStatus.Pending"/> results, of one hospital or (null) of all. The
    /// reconciliation sweep needs them apart from the blob listing: a pending row whose blob was deleted is never
    /// listed, yet must end as failed. Only main rows are read (row keys below the index prefix).
    /// </summary>
    public async Task<IReadOnlyList<TriageResult>> ListPendingAsync(string? hospital, int max, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        if (hospital is not null && !HospitalIds.IsValid(hospital))
        {
            throw new ArgumentException($"Hospital id '{hospital}' is not valid: {HospitalIds.Rule}.", nameof(hospital));
        }

        string pending = TriageResultEntities.StatusName(TriageStatus.Pending);
        string filter = hospital is null
            ? TableClient.CreateQueryFilter($"RowKey lt {TriageResultEntities.IndexPrefix} and Status eq {pending}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {hospital} and RowKey lt {TriageResultEntities.IndexPrefix} and Status eq {pending}");
        List<TriageResult> results = [];
        try
        {
            await foreach (TableEntity entity in _table.QueryAsync<TableEntity>(
                filter, Math.Min(max, TriageResultQuery.MaxPageSize), cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                results.Add(TriageResultEntities.FromEntity(entity));
                if (results.Count >= max)
                {
                    break;
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404 && ex.ErrorCode == "TableNotFound")
        {
            // No result was ever written, so none is pending.
        }

        return results;
    }
}
