using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ServerlessCovid.Core.Security;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Functions.Http;
using ServerlessCovid.Functions.Tests.Http;
using ServerlessCovid.Functions.Tests.Infrastructure;
using ServerlessCovid.Functions.Triage;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Functions.Tests.Storage;

/// <summary>Storage that disappears while the app runs (an operator's clean-up, a restore) comes back on the next call.</summary>
[Collection(TestCollections.Azurite)]
public sealed class SelfHealingStorageTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task EveryCall_TablesAndContainersDeletedMidRun_SucceedsAndRecreatesThem()
    {
        // Setup: a running app that has created everything it uses once.
        string keysTable = "keys" + Guid.NewGuid().ToString("N")[..12];
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite, new Dictionary<string, string?> { ["Access:KeysTable"] = keysTable });
        CurrentModelPointer v1 = await app.PublishAsync(TestModelPackages.Create("v1"));
        BlobClient first = await app.UploadXrayAsync("h1/a.png", TestXrays.Covid());
        await app.Function<TriageUploadedXray>().Run(first, CancellationToken.None);
        string labelledId = await TriageXrayTests.TriageAsync(app, "h1", TestXrays.Normal());
        HttpRequest firstLabel = HttpTestRequests.Json(app.Provider, new { label = "normal", labelledBy = "dr-ada" });
        await app.Function<LabelResult>().Run(firstLabel, "h1", labelledId, CancellationToken.None);
        Assert.True(await app.Blobs.GetBlobContainerClient(app.Storage.LabelledContainer).ExistsAsync());
        ApiKeyStore keys = app.Provider.GetRequiredService<ApiKeyStore>();
        await keys.AddHospitalKeyAsync("h1");
        TableServiceClient tables = azurite.CreateTableServiceClient();

        // Trigger: storage comes back empty under the running app.
        await tables.DeleteTableAsync(app.Storage.ResultsTable);
        await tables.DeleteTableAsync(keysTable);
        foreach (string container in new[] { app.Storage.ModelsContainer, app.Storage.UploadsContainer, app.Storage.LabelledContainer })
        {
            await app.Blobs.GetBlobContainerClient(container).DeleteIfExistsAsync();
        }

        // Verify: each later call succeeds (results table, uploads, labelled, models, keys table), twice over.
        for (int round = 0; round < 2; round++)
        {
            BlobClient blob = await app.UploadXrayAsync($"h1/b{round}.png", TestXrays.Covid());
            await app.Function<TriageUploadedXray>().Run(blob, CancellationToken.None);
            Assert.Equal(TriageStatus.Scored, (await app.Results.GetAsync("h1", ResultIds.ForBlob("h1", $"b{round}.png")))!.Status);

            string id = await TriageXrayTests.TriageAsync(app, "h1", TestXrays.Covid(seed: (byte)(10 + round)));
            HttpRequest label = HttpTestRequests.Json(app.Provider, new { label = "normal", labelledBy = "dr-ada" });
            ExecutedResponse labelled = await HttpTestRequests.ExecuteAsync(
                await app.Function<LabelResult>().Run(label, "h1", id, CancellationToken.None), label);
            Assert.Equal(StatusCodes.Status200OK, labelled.Status);

            IssuedApiKey key = await keys.AddHospitalKeyAsync("h1");
            Assert.NotNull(await keys.AuthenticateAsync(key.Key));
        }

        CurrentModelPointer v2 = await app.PublishAsync(TestModelPackages.Create("v2"));
        Assert.Equal("v2", (await app.Registry.GetCurrentAsync())!.Version);
        Assert.NotEqual(v1.ETag, v2.ETag);
        Assert.True(await app.Blobs.GetBlobContainerClient(app.Storage.UploadsContainer).ExistsAsync());
        Assert.True(await app.Blobs.GetBlobContainerClient(app.Storage.LabelledContainer).GetBlobsAsync().AnyAsync());
    }

    [Fact]
    public async Task RecordPoisonXray_ResultsTableDeletedBeforeTheMessage_WritesTheFailedRow()
    {
        // Setup: the app has written rows, then its table is deleted (the kind of fault that makes the host give up).
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        await TriageXrayTests.TriageAsync(app, "h1", TestXrays.Covid());
        BlobClient blob = await app.UploadXrayAsync("h1/lost.png", TestXrays.Normal());
        await azurite.CreateTableServiceClient().DeleteTableAsync(app.Storage.ResultsTable);
        string message = $"{{\"Type\":\"BlobTrigger\",\"ContainerName\":\"{app.Storage.XraysContainer}\",\"BlobName\":\"h1/lost.png\"}}";

        // Trigger
        await app.Function<RecordPoisonXray>().Run(message, CancellationToken.None);

        // Verify
        TriageResult row = (await app.Results.GetAsync("h1", ResultIds.ForBlob("h1", "lost.png")))!;
        Assert.Equal((TriageStatus.Failed, TriageFailureCodes.RetriesExhausted), (row.Status, row.ErrorCode));
        Assert.Equal(blob.Uri.ToString(), row.Source);
    }
}
