using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Retraining.Runs;

/// <summary>
/// Run records in Table Storage: partition <c>run</c>, row key = run id. Headline columns are queryable; the full
/// record (scores, chunks, stage timings, settings) is kept as JSON in <c>RecordJson</c>.
/// </summary>
public sealed class RetrainingRunStore(TableServiceClient tables, IOptions<StorageOptions> storage)
{
    public const string PartitionKey = "run";

    private readonly TableClient _table = tables.GetTableClient(storage.Value.RetrainingRunsTable);

    public async Task UpsertAsync(RetrainingRunRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        await _table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        TableEntity entity = new(PartitionKey, record.RunId)
        {
            ["InstanceId"] = record.InstanceId,
            ["Trigger"] = record.Trigger,
            ["Status"] = record.Status.ToString(),
            ["Stage"] = record.Stage,
            ["Reason"] = record.Reason,
            ["StartedUtc"] = record.StartedUtc,
            ["CompletedUtc"] = record.CompletedUtc,
            ["DatasetId"] = record.DatasetId,
            ["DatasetImages"] = record.DatasetImages,
            ["TrainingImages"] = record.TrainingImages,
            ["ValidationImages"] = record.ValidationImages,
            ["EpochsCompleted"] = record.EpochsCompleted,
            ["InitialWeights"] = record.InitialWeights,
            ["CandidateVersion"] = record.CandidateVersion,
            ["PublishedVersion"] = record.PublishedVersion,
            ["ChampionVersion"] = record.ChampionVersion,
            ["ChallengerAuc"] = record.Challenger?.PositiveClassAuc,
            ["ChampionAuc"] = record.Champion?.PositiveClassAuc,
            ["RecordJson"] = JsonSerializer.Serialize(record, ManifestJson.Options),
        };
        await _table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    public async Task<RetrainingRunRecord?> GetAsync(string runId, CancellationToken cancellationToken = default)
    {
        try
        {
            Response<TableEntity> response = await _table
                .GetEntityAsync<TableEntity>(PartitionKey, runId, cancellationToken: cancellationToken).ConfigureAwait(false);
            return Deserialize(response.Value);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Every run, newest first.</summary>
    public async Task<IReadOnlyList<RetrainingRunRecord>> ListAsync(CancellationToken cancellationToken = default)
    {
        List<RetrainingRunRecord> records = [];
        try
        {
            string filter = TableClient.CreateQueryFilter($"PartitionKey eq {PartitionKey}");
            await foreach (TableEntity entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (Deserialize(entity) is { } record)
                {
                    records.Add(record);
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return records;
        }

        return [.. records.OrderByDescending(r => r.StartedUtc)];
    }

    private static RetrainingRunRecord? Deserialize(TableEntity entity) =>
        entity.GetString("RecordJson") is { } json
            ? JsonSerializer.Deserialize<RetrainingRunRecord>(json, ManifestJson.Options)
            : null;
}
