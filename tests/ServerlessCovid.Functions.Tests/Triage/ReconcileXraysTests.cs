using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Core.Triage;
using ServerlessCovid.Functions.Tests.Infrastructure;
using ServerlessCovid.Functions.Triage;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Functions.Tests.Triage;

[Collection(TestCollections.Azurite)]
public sealed class ReconcileXraysTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Run_BlobTheTriggerNeverSaw_GetsItsScoredRow()
    {
        // Setup: a blob written while no trigger runs.
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        await app.UploadXrayAsync("h1/missed.png", TestXrays.Covid());

        // Trigger
        await app.Function<ReconcileXrays>().Run(new TimerInfo(), CancellationToken.None);

        // Verify
        TriageResult row = Assert.Single((await app.Results.ListAsync("h1", new TriageResultQuery())).Items);
        Assert.Equal(ResultIds.ForBlob("h1", "missed.png"), row.Id);
        Assert.Equal((TriageStatus.Scored, ClassNames.Covid, "v1"), (row.Status, row.Label, row.ModelVersion));
    }

    [Fact]
    public async Task RunAsync_BlobDroppedBeforeFirstPublish_PendingThenScoredAfterPublish()
    {
        // Setup: the trigger sees the blob before any model exists.
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        BlobClient blob = await app.UploadXrayAsync("h1/early.png", TestXrays.Normal());
        await app.Function<TriageUploadedXray>().Run(blob, CancellationToken.None);
        ResultReconciler reconciler = app.Provider.GetRequiredService<ResultReconciler>();
        ReconcileReport beforePublish = await reconciler.RunAsync();
        TriageResult pending = (await app.Results.GetAsync("h1", ResultIds.ForBlob("h1", "early.png")))!;

        // Trigger
        await app.PublishAsync(TestModelPackages.Create("v1"));
        ReconcileReport afterPublish = await reconciler.RunAsync();

        // Verify
        Assert.Equal((TriageStatus.Pending, TriagePendingCodes.NoModel), (pending.Status, pending.ErrorCode));
        Assert.Equal((1, 1, 0), (beforePublish.Listed, beforePublish.Pending, beforePublish.PendingRescored));
        Assert.Equal((1, 1, 0), (afterPublish.Listed, afterPublish.PendingRescored, afterPublish.Pending));
        TriageResult row = Assert.Single((await app.Results.ListAsync("h1", new TriageResultQuery())).Items);
        Assert.Equal((TriageStatus.Scored, ClassNames.Normal, "v1"), (row.Status, row.Label, row.ModelVersion));
        Assert.Null(row.ErrorCode);
        Assert.Equal(pending.CreatedUtc, row.CreatedUtc);
    }

    [Fact]
    public async Task RunAsync_TwiceAfterTheTrigger_OneRowPerBlobAndSecondRunOnlyFindsRows()
    {
        // Setup: one blob scored by the trigger, one missed by it.
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        BlobClient seen = await app.UploadXrayAsync("h1/seen.png", TestXrays.Covid());
        await app.UploadXrayAsync("h1/missed.png", TestXrays.Normal());
        await app.Function<TriageUploadedXray>().Run(seen, CancellationToken.None);
        ResultReconciler reconciler = app.Provider.GetRequiredService<ResultReconciler>();

        // Trigger
        ReconcileReport first = await reconciler.RunAsync();
        ReconcileReport second = await reconciler.RunAsync();

        // Verify: two results, each one main row plus its index row.
        Assert.Equal((2, 1, 1), (first.Listed, first.AlreadyHadRow, first.NewlyTriaged));
        Assert.Equal((2, 2, 0), (second.Listed, second.AlreadyHadRow, second.NewlyTriaged));
        Assert.Equal(2, (await app.Results.ListAsync("h1", new TriageResultQuery())).Items.Count);
        TableClient table = new(azurite.ConnectionString, app.Storage.ResultsTable);
        Assert.Equal(4, await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"h1"}")).CountAsync());
    }

    [Fact]
    public async Task RunAsync_MoreBlobsThanTheBound_ListsOnePagePerRunAndResumes()
    {
        // Setup: five missed blobs, two per run.
        await using FunctionsTestApp app = FunctionsTestApp.Create(
            azurite, new Dictionary<string, string?> { ["Triage:ReconcileMaxBlobsPerRun"] = "2" });
        await app.PublishAsync(TestModelPackages.Create("v1"));
        for (int i = 0; i < 5; i++)
        {
            await app.UploadXrayAsync($"h1/{i}.png", TestXrays.Covid(seed: (byte)i));
        }

        ResultReconciler reconciler = app.Provider.GetRequiredService<ResultReconciler>();

        // Trigger
        ReconcileReport[] runs = [await reconciler.RunAsync(), await reconciler.RunAsync(), await reconciler.RunAsync(), await reconciler.RunAsync()];

        // Verify: 2 + 2 + 1 new rows, then the listing starts over and finds them all.
        Assert.Equal([2, 2, 1, 2], runs.Select(r => r.Listed));
        Assert.Equal([2, 2, 1, 0], runs.Select(r => r.NewlyTriaged));
        Assert.Equal([false, false, true, false], runs.Select(r => r.ListingComplete));
        Assert.Equal(2, runs[3].AlreadyHadRow);
        Assert.Equal(5, (await app.Results.ListAsync("h1", new TriageResultQuery())).Items.Count);
    }

    [Fact]
    public async Task RunAsync_PendingBlobDeletedBeforeAModelArrives_RowEndsFailedBlobMissing()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        BlobClient blob = await app.UploadXrayAsync("h1/gone.png", TestXrays.Covid());
        await app.Function<TriageUploadedXray>().Run(blob, CancellationToken.None);
        await blob.DeleteAsync();

        // Trigger: still no model; the deleted blob is not listed, only its pending row says it existed.
        ReconcileReport report = await app.Provider.GetRequiredService<ResultReconciler>().RunAsync("h1");

        // Verify
        TriageResult row = (await app.Results.GetAsync("h1", ResultIds.ForBlob("h1", "gone.png")))!;
        Assert.Equal((TriageStatus.Failed, TriageFailureCodes.BlobMissing), (row.Status, row.ErrorCode));
        Assert.Equal((0, 1, 1), (report.Listed, report.PendingOutsideListing, report.Failed));
    }

    [Fact]
    public async Task RunAsync_BlobOutsideAHospitalFolder_CountedUnkeyableAndNoRow()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        await app.UploadXrayAsync("Not A Hospital/a.png", TestXrays.Covid());

        // Trigger
        ReconcileReport report = await app.Provider.GetRequiredService<ResultReconciler>().RunAsync();

        // Verify
        Assert.Equal((1, 1, 0), (report.Listed, report.Unkeyable, report.NewlyTriaged));
        Assert.Empty(await app.Results.ListPendingAsync(null, 10));
    }
}
