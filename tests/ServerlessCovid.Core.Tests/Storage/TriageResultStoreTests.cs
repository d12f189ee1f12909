using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Testing.Storage;
using static ServerlessCovid.Core.Tests.Storage.TriageResultSamples;

namespace ServerlessCovid.Core.Tests.Storage;

[Collection(TestCollections.Azurite)]
public sealed class TriageResultStoreTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-20T08:00:00Z", CultureInfo.InvariantCulture);

    [Fact]
    public async Task UpsertAsync_ScoredResult_RoundTripsEveryColumn()
    {
        // Arrange
        TriageResultStore store = CreateStore(azurite, out _);
        TriageResult result = Scored("st-marys", "a.png", T0, "sha-a") with
        {
            Timings = new StageTimings(1.5, 2.5, 3.5),
            ImageFormat = "png",
            ImageWidth = 300,
            ImageHeight = 200,
            ImageBytes = 1234,
        };

        // Act
        await store.UpsertAsync(result);
        TriageResult? loaded = await store.GetAsync("st-marys", result.Id);

        // Assert
        Assert.NotNull(loaded);
        Assert.Equal(TriageStatus.Scored, loaded.Status);
        Assert.Equal("covid", loaded.Label);
        Assert.Equal(0.8, loaded.Probabilities!["covid"]);
        Assert.Equal(0.2, loaded.Probabilities!["normal"]);
        Assert.Equal(0.5, loaded.Threshold);
        Assert.Equal("v1", loaded.ModelVersion);
        Assert.Equal("model-sha", loaded.ModelSha256);
        Assert.Equal("rgb256-stretch-unit", loaded.PreprocessingId);
        Assert.Equal("sha-a", loaded.ContentSha256);
        Assert.Equal((300, 200, 1234L), (loaded.ImageWidth!.Value, loaded.ImageHeight!.Value, loaded.ImageBytes!.Value));
        Assert.Equal(new StageTimings(1.5, 2.5, 3.5), loaded.Timings);
        Assert.Equal(T0, loaded.CreatedUtc);
        Assert.Equal("https://example/xrays/st-marys/a.png", loaded.Source);
    }

    [Fact]
    public async Task UpsertAsync_TableDeletedWhileRunning_RecreatesItAndEveryLaterWriteSucceeds()
    {
        // Arrange: the store has created its table and written once; then storage comes back empty.
        TriageResultStore store = CreateStore(azurite, out TableClient table);
        await store.UpsertAsync(Scored("h1", "a.png", T0, "sha-a"));
        await table.DeleteAsync();

        // Act
        for (int i = 0; i < 5; i++)
        {
            await store.UpsertAsync(Scored("h1", $"b{i}.png", T0.AddMinutes(i), $"sha-b{i}"));
        }

        // Assert
        for (int i = 0; i < 5; i++)
        {
            Assert.NotNull(await store.GetAsync("h1", Scored("h1", $"b{i}.png", T0, "x").Id));
        }
    }

    [Fact]
    public async Task UpsertAsync_SameResultTwice_KeepsOneRowAndOneIndexRow()
    {
        // Arrange
        TriageResultStore store = CreateStore(azurite, out TableClient table);
        TriageResult result = Scored("h1", "a.png", T0, "sha-a");

        // Act
        await store.UpsertAsync(result);
        await store.UpsertAsync(result with { CreatedUtc = T0.AddMinutes(5), UpdatedUtc = T0.AddMinutes(5) });

        // Assert
        List<TableEntity> rows = await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"h1"}")).ToListAsync();
        Assert.Equal(2, rows.Count);
        Assert.Single(rows, r => r.RowKey == result.Id);
        Assert.Equal(T0, (await store.GetAsync("h1", result.Id))!.CreatedUtc);
    }

    [Fact]
    public async Task UpsertAsync_ReplayAfterLabelling_KeepsConfirmedLabel()
    {
        // Arrange
        TriageResultStore store = CreateStore(azurite, out _);
        TriageResult result = Scored("h1", "a.png", T0, "sha-a");
        await store.UpsertAsync(result);
        await store.UpdateAsync("h1", result.Id, r => r with { ConfirmedLabel = "normal", LabelledBy = "dr-x" });

        // Act
        await store.UpsertAsync(result);

        // Assert
        TriageResult loaded = (await store.GetAsync("h1", result.Id))!;
        Assert.Equal("normal", loaded.ConfirmedLabel);
        Assert.Equal("dr-x", loaded.LabelledBy);
    }

    [Fact]
    public async Task UpsertAsync_NewContentUnderSameName_ReplacesLabelAndMovesToTop()
    {
        // Arrange
        TriageResultStore store = CreateStore(azurite, out TableClient table);
        TriageResult first = Scored("h1", "a.png", T0, "sha-a");
        await store.UpsertAsync(first);
        await store.UpdateAsync("h1", first.Id, r => r with { ConfirmedLabel = "normal" });
        await store.UpsertAsync(Scored("h1", "b.png", T0.AddMinutes(1), "sha-b"));

        // Act
        await store.UpsertAsync(first with { ContentSha256 = "sha-c", CreatedUtc = T0.AddMinutes(2) });

        // Assert
        TriageResult loaded = (await store.GetAsync("h1", first.Id))!;
        Assert.Null(loaded.ConfirmedLabel);
        Assert.Equal(T0.AddMinutes(2), loaded.CreatedUtc);
        TriageResultPage page = await store.ListAsync("h1", new TriageResultQuery());
        Assert.Equal(["a.png", "b.png"], page.Items.Select(r => r.SourceName));
        Assert.Equal(4, await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"h1"}")).CountAsync());
    }

    [Fact]
    public async Task ListAsync_ManyResults_PagesNewestFirstWithContinuationTokens()
    {
        // Arrange
        TriageResultStore store = CreateStore(azurite, out _);
        for (int i = 0; i < 7; i++)
        {
            await store.UpsertAsync(Scored("h1", $"{i}.png", T0.AddMinutes(i), $"sha-{i}"));
        }

        // Act
        List<string?> names = [];
        List<int> pageSizes = [];
        string? token = null;
        do
        {
            TriageResultPage page = await store.ListAsync("h1", new TriageResultQuery { PageSize = 3, ContinuationToken = token });
            names.AddRange(page.Items.Select(r => r.SourceName));
            pageSizes.Add(page.Items.Count);
            token = page.ContinuationToken;
        }
        while (token is not null);

        // Assert
        Assert.Equal(["6.png", "5.png", "4.png", "3.png", "2.png", "1.png", "0.png"], names);
        Assert.Equal([3, 3, 1], pageSizes);
    }

    [Fact]
    public async Task ListAsync_FromToLabelStatusFilters_ReturnOnlyMatches()
    {
        // Arrange
        TriageResultStore store = CreateStore(azurite, out _);
        for (int i = 0; i < 6; i++)
        {
            await store.UpsertAsync(Scored("h1", $"{i}.png", T0.AddHours(i), $"sha-{i}") with { Label = i % 2 == 0 ? "covid" : "normal" });
        }

        await store.UpsertAsync(Rejected("h1", "bad.png", T0.AddHours(3).AddMinutes(30)));

        // Act
        TriageResultPage window = await store.ListAsync("h1", new TriageResultQuery { From = T0.AddHours(1), To = T0.AddHours(4) });
        TriageResultPage covid = await store.ListAsync("h1", new TriageResultQuery { Label = "covid" });
        TriageResultPage rejected = await store.ListAsync("h1", new TriageResultQuery { Status = TriageStatus.Rejected });

        // Assert
        Assert.Equal(["bad.png", "3.png", "2.png", "1.png"], window.Items.Select(r => r.SourceName));
        Assert.Equal(["4.png", "2.png", "0.png"], covid.Items.Select(r => r.SourceName));
        Assert.Equal(["bad.png"], rejected.Items.Select(r => r.SourceName));
        Assert.Equal("corrupt", rejected.Items[0].ErrorCode);
    }

    [Fact]
    public async Task ListAsync_SelectiveFilterOverManyPages_NeverReturnsEmptyPageWithToken()
    {
        // Arrange
        TriageResultStore store = CreateStore(azurite, out _);
        for (int i = 0; i < 5; i++)
        {
            await store.UpsertAsync(Scored("h1", $"{i}.png", T0.AddMinutes(i), $"sha-{i}"));
        }

        await store.UpsertAsync(Rejected("h1", "old-bad.png", T0.AddMinutes(-1)));

        // Act
        TriageResultPage page = await store.ListAsync("h1", new TriageResultQuery { Status = TriageStatus.Rejected, PageSize = 2 });

        // Assert
        Assert.Equal(["old-bad.png"], page.Items.Select(r => r.SourceName));
    }

    [Fact]
    public async Task UpsertAsync_ConcurrentWritersOfOneResult_LeaveOneRowAndOneIndexRow()
    {
        // Arrange: eight deliveries of the same blob racing, each with its own creation time.
        TriageResultStore store = CreateStore(azurite, out TableClient table);
        TriageResult result = Scored("h1", "a.png", T0, "sha-a");

        // Act
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            store.UpsertAsync(result with { ContentSha256 = $"sha-{i}", CreatedUtc = T0.AddSeconds(i) })));

        // Assert
        List<TableEntity> rows = await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"h1"}")).ToListAsync();
        Assert.Equal(2, rows.Count);
        TriageResult stored = (await store.GetAsync("h1", result.Id))!;
        TableEntity index = Assert.Single(rows, r => r.RowKey.StartsWith("idx_", StringComparison.Ordinal));
        Assert.Equal(stored.CreatedUtc, index.GetDateTimeOffset("CreatedUtc"));
    }

    [Fact]
    public async Task UpsertAsync_RowSeenAbsentAndStillAbsent_InsertsRowAndIndexRow()
    {
        // Arrange
        TriageResultStore store = CreateStore(azurite, out TableClient table);
        TriageResult result = Scored("h1", "a.png", T0, "sha-a");

        // Act
        TriageResult written = await store.UpsertAsync(result, rowSeenAbsent: true);

        // Assert
        List<TableEntity> rows = await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"h1"}")).ToListAsync();
        Assert.Equal(2, rows.Count);
        TriageResult loaded = (await store.GetAsync("h1", result.Id))!;
        Assert.Equal((written.ContentSha256, written.Label, written.CreatedUtc), (loaded.ContentSha256, loaded.Label, loaded.CreatedUtc));
    }

    [Fact]
    public async Task UpsertAsync_RowSeenAbsentButLabelledSince_FallsBackToMergeAndKeepsLabel()
    {
        // Arrange: the caller read no row, then another delivery wrote it and a clinician labelled it.
        TriageResultStore store = CreateStore(azurite, out TableClient table);
        TriageResult result = Scored("h1", "a.png", T0, "sha-a");
        await store.UpsertAsync(result);
        await store.UpdateAsync("h1", result.Id, r => r with { ConfirmedLabel = "normal", LabelledBy = "dr-x" });

        // Act
        TriageResult written = await store.UpsertAsync(result with { CreatedUtc = T0.AddMinutes(1) }, rowSeenAbsent: true);

        // Assert
        TriageResult loaded = (await store.GetAsync("h1", result.Id))!;
        Assert.Equal(("normal", "dr-x", T0), (loaded.ConfirmedLabel, loaded.LabelledBy, loaded.CreatedUtc));
        Assert.Equal((written.ConfirmedLabel, written.CreatedUtc), (loaded.ConfirmedLabel, loaded.CreatedUtc));
        Assert.Equal(2, await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"h1"}")).CountAsync());
    }

    [Fact]
    public async Task GetAsync_OtherHospitalsId_ReturnsNull()
    {
        // Arrange
        TriageResultStore store = CreateStore(azurite, out _);
        TriageResult result = Scored("h1", "a.png", T0, "sha-a");
        await store.UpsertAsync(result);

        // Act
        TriageResult? other = await store.GetAsync("h2", result.Id);
        TriageResultPage otherList = await store.ListAsync("h2", new TriageResultQuery());

        // Assert
        Assert.Null(other);
        Assert.Empty(otherList.Items);
    }

    [Fact]
    public async Task ListAsync_QuoteInLabelFilter_IsEscapedNotInjected()
    {
        // Arrange
        TriageResultStore store = CreateStore(azurite, out _);
        await store.UpsertAsync(Scored("h1", "a.png", T0, "sha-a"));

        // Act
        TriageResultPage page = await store.ListAsync("h1", new TriageResultQuery { Label = "x' or PartitionKey ne 'zz" });

        // Assert
        Assert.Empty(page.Items);
    }

    [Fact]
    public async Task ListAsync_GarbageContinuationToken_ThrowsInvalidContinuationToken()
    {
        // Arrange
        TriageResultStore store = CreateStore(azurite, out _);
        await store.UpsertAsync(Scored("h1", "a.png", T0, "sha-a"));

        // Act + Assert
        await Assert.ThrowsAsync<InvalidContinuationTokenException>(
            () => store.ListAsync("h1", new TriageResultQuery { ContinuationToken = "***" }));
    }

    [Fact]
    public async Task UpdateAsync_UpdateChangesNothing_RowNotWritten()
    {
        // Arrange
        TriageResultStore store = CreateStore(azurite, out TableClient table);
        TriageResult result = Scored("h1", "a.png", T0, "sha-a");
        await store.UpsertAsync(result);
        ETag before = (await table.GetEntityAsync<TableEntity>("h1", result.Id)).Value.ETag;

        // Act
        TriageResult? updated = await store.UpdateAsync("h1", result.Id, r => r);

        // Assert
        Assert.Equal("sha-a", updated!.ContentSha256);
        Assert.Equal(before, (await table.GetEntityAsync<TableEntity>("h1", result.Id)).Value.ETag);
    }

    [Fact]
    public async Task UpdateAsync_MissingResult_ReturnsNull()
    {
        // Arrange
        TriageResultStore store = CreateStore(azurite, out _);

        // Act
        TriageResult? updated = await store.UpdateAsync("h1", ResultIds.ForBlob("h1", "nope.png"), r => r with { ConfirmedLabel = "covid" });

        // Assert
        Assert.Null(updated);
    }

    [Fact]
    public void ResultIds_SameInputs_AreStableAndHospitalSpecific()
    {
        // Act
        string a = ResultIds.ForBlob("h1", "x.png");

        // Assert
        Assert.Equal(a, ResultIds.ForBlob("h1", "x.png"));
        Assert.NotEqual(a, ResultIds.ForBlob("h2", "x.png"));
        Assert.NotEqual(a, ResultIds.ForHttp("h1", "x.png"));
        Assert.True(ResultIds.IsValid(a));
    }
}
