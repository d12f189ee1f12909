using System.Globalization;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Testing.Storage;
using static ServerlessCovid.Core.Tests.Storage.TriageResultSamples;

namespace ServerlessCovid.Core.Tests.Storage;

/// <summary>The slim newest-first index rows of the results table, and listing through them.</summary>
[Collection(TestCollections.Azurite)]
public sealed class TriageResultIndexTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-20T08:00:00Z", CultureInfo.InvariantCulture);

    // Columns every entity carries whatever it holds; the service adds them.
    private static readonly string[] SystemColumns = ["PartitionKey", "RowKey", "Timestamp", "odata.etag"];

    [Fact]
    public async Task UpdateAsync_LabelledScoredResult_IndexRowHoldsOnlySlimColumns()
    {
        // Arrange
        TriageResultStore store = CreateStore(azurite, out TableClient table);
        TriageResult result = Scored("h1", "a.png", T0);
        await store.UpsertAsync(result);

        // Act: the label goes to the result row only.
        await store.UpdateAsync("h1", result.Id, r => r with { ConfirmedLabel = "normal", LabelledBy = "dr-x", LabelledUtc = T0 });

        // Assert
        TableEntity index = await SingleIndexRowAsync(table, "h1");
        Assert.Equal(
            ["CreatedUtc", "Label", "ModelVersion", "PositiveClass", "PositiveProbability", "ResultId", "SourceName", "Status", "Threshold"],
            DataColumns(index));
        Assert.Equal(0.8, index.GetDouble("PositiveProbability"));
        Assert.Equal(result.Id, index.GetString("ResultId"));
        Assert.Equal("normal", (await table.GetEntityAsync<TableEntity>("h1", result.Id)).Value.GetString("ConfirmedLabel"));
    }

    [Fact]
    public async Task UpsertAsync_RejectedResult_IndexRowHasErrorCodeButNotReason()
    {
        // Arrange
        TriageResultStore store = CreateStore(azurite, out TableClient table);

        // Act
        await store.UpsertAsync(Rejected("h1", "bad.png", T0));

        // Assert
        TableEntity index = await SingleIndexRowAsync(table, "h1");
        Assert.Equal(["CreatedUtc", "ErrorCode", "ResultId", "SourceName", "Status"], DataColumns(index));
        Assert.Equal("corrupt", index.GetString("ErrorCode"));
    }

    [Fact]
    public async Task ListAsync_PagesAfterLabelling_ReturnFullResultsEqualToPointReads()
    {
        // Arrange
        TriageResultStore store = CreateStore(azurite, out _);
        List<TriageResult> written = [];
        for (int i = 0; i < 7; i++)
        {
            written.Add(await store.UpsertAsync(Scored("h1", $"{i}.png", T0.AddMinutes(i))));
        }

        await store.UpsertAsync(Rejected("h1", "bad.png", T0.AddMinutes(3).AddSeconds(30)));
        await store.UpdateAsync("h1", written[5].Id, r => r with { ConfirmedLabel = "normal", LabelledBy = "dr-x", LabelledUtc = T0 });
        await store.UpdateAsync("h1", written[1].Id, r => r with { ConfirmedLabel = "covid", LabelledBy = "dr-y", LabelledUtc = T0 });

        // Act
        List<TriageResult> listed = await ListAllAsync(store, "h1", new TriageResultQuery { PageSize = 3 });

        // Assert
        Assert.Equal(["6.png", "5.png", "4.png", "bad.png", "3.png", "2.png", "1.png", "0.png"], listed.Select(r => r.SourceName));
        foreach (TriageResult item in listed)
        {
            Assert.Equivalent(await store.GetAsync("h1", item.Id), item, strict: true);
        }

        Assert.Equal("normal", listed[1].ConfirmedLabel);
        Assert.Equal("dr-y", listed[6].LabelledBy);
        Assert.Equal("not an image", listed[3].ErrorReason);
    }

    [Fact]
    public async Task ListAsync_IndexRowWithoutResultRow_SkipsItAndKeepsPaging()
    {
        // Arrange: the middle result's main row is gone, as after a half-finished write.
        TriageResultStore store = CreateStore(azurite, out TableClient table);
        for (int i = 0; i < 3; i++)
        {
            await store.UpsertAsync(Scored("h1", $"{i}.png", T0.AddMinutes(i)));
        }

        await table.DeleteEntityAsync("h1", ResultIds.ForBlob("h1", "1.png"));

        // Act
        List<TriageResult> onePerPage = await ListAllAsync(store, "h1", new TriageResultQuery { PageSize = 1 });
        TriageResultPage whole = await store.ListAsync("h1", new TriageResultQuery());

        // Assert
        Assert.Equal(["2.png", "0.png"], onePerPage.Select(r => r.SourceName));
        Assert.Equal(["2.png", "0.png"], whole.Items.Select(r => r.SourceName));
    }

    [Fact]
    public async Task ListAsync_OldFullWidthIndexRows_ListTheSameAsSlimOnes()
    {
        // Arrange: replace each slim index row with a full copy of its result, as older code wrote them.
        TriageResultStore store = CreateStore(azurite, out TableClient table);
        for (int i = 0; i < 4; i++)
        {
            await store.UpsertAsync(Scored("h1", $"{i}.png", T0.AddMinutes(i)) with { Label = i % 2 == 0 ? "covid" : "normal" });
        }

        await store.UpdateAsync("h1", ResultIds.ForBlob("h1", "2.png"), r => r with { ConfirmedLabel = "normal" });
        List<TriageResult> slim = await ListAllAsync(store, "h1", new TriageResultQuery { PageSize = 3 });
        foreach (TriageResult result in slim)
        {
            TableEntity full = TriageResultEntities.ToEntity(result);
            full.RowKey = TriageResultEntities.IndexRowKey(result.CreatedUtc, result.Id);
            await table.UpsertEntityAsync(full, TableUpdateMode.Replace);
        }

        // Act
        List<TriageResult> old = await ListAllAsync(store, "h1", new TriageResultQuery { PageSize = 3 });
        TriageResultPage covid = await store.ListAsync("h1", new TriageResultQuery { Label = "covid" });

        // Assert
        Assert.Equal(DataColumns(TriageResultEntities.ToEntity(slim[0])), DataColumns(await SingleIndexRowAsync(table, "h1", slim[0].Id)));
        Assert.Equivalent(slim, old, strict: true);
        Assert.Equal(["2.png", "0.png"], covid.Items.Select(r => r.SourceName));
        Assert.Equal("normal", covid.Items[0].ConfirmedLabel);
    }

    private static async Task<List<TriageResult>> ListAllAsync(TriageResultStore store, string hospital, TriageResultQuery query)
    {
        List<TriageResult> all = [];
        string? token = null;
        do
        {
            TriageResultPage page = await store.ListAsync(hospital, query with { ContinuationToken = token });
            all.AddRange(page.Items);
            token = page.ContinuationToken;
        }
        while (token is not null);
        return all;
    }

    private static async Task<TableEntity> SingleIndexRowAsync(TableClient table, string hospital, string? resultId = null)
    {
        List<TableEntity> rows = await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter(
            $"PartitionKey eq {hospital} and RowKey ge {TriageResultEntities.IndexPrefix} and RowKey lt {TriageResultEntities.IndexPrefix + "~"}")).ToListAsync();
        return Assert.Single(rows, r => resultId is null || r.RowKey.EndsWith(resultId, StringComparison.Ordinal));
    }

    private static string[] DataColumns(TableEntity entity) =>
        [.. entity.Keys.Except(SystemColumns).Order(StringComparer.Ordinal)];
}
