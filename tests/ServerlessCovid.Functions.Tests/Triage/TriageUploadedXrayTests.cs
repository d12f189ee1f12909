using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Core.Triage;
using ServerlessCovid.Functions.Tests.Infrastructure;
using ServerlessCovid.Functions.Triage;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Functions.Tests.Triage;

[Collection(TestCollections.Azurite)]
public sealed class TriageUploadedXrayTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Run_UploadedCovidXray_WritesOneScoredRow()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        CurrentModelPointer model = await app.PublishAsync(TestModelPackages.Create("v1"));
        byte[] image = TestXrays.Covid();
        BlobClient blob = await app.UploadXrayAsync("st-marys/2026/ward-3.png", image);

        // Trigger
        await app.Function<TriageUploadedXray>().Run(blob, CancellationToken.None);

        // Verify
        TriageResult row = Assert.Single((await app.Results.ListAsync("st-marys", new TriageResultQuery())).Items);
        Assert.Equal(ResultIds.ForBlob("st-marys", "2026/ward-3.png"), row.Id);
        Assert.Equal(TriageStatus.Scored, row.Status);
        Assert.Equal(ClassNames.Covid, row.Label);
        Assert.True(row.Probabilities![ClassNames.Covid] > 0.5);
        Assert.Equal(("v1", model.OnnxSha256), (row.ModelVersion, row.ModelSha256));
        Assert.Equal(Preprocessing.RgbStretchUnit256, row.PreprocessingId);
        Assert.Equal(blob.Uri.ToString(), row.Source);
        Assert.Equal("2026/ward-3.png", row.SourceName);
        Assert.Equal(ModelPackage.Sha256Hex(image), row.ContentSha256);
        Assert.Equal((48, 48, "png"), (row.ImageWidth, row.ImageHeight, row.ImageFormat));
        Assert.NotNull(row.Timings);
    }

    [Fact]
    public async Task Run_SameBlobDeliveredTwice_StillOneRow()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        BlobClient blob = await app.UploadXrayAsync("h1/a.png", TestXrays.Normal());
        TriageUploadedXray function = app.Function<TriageUploadedXray>();

        // Trigger: a retry, then a re-upload of identical bytes.
        await function.Run(blob, CancellationToken.None);
        TriageResult first = (await app.Results.GetAsync("h1", ResultIds.ForBlob("h1", "a.png")))!;
        await function.Run(blob, CancellationToken.None);
        await app.UploadXrayAsync("h1/a.png", TestXrays.Normal());
        await function.Run(blob, CancellationToken.None);

        // Verify: one result (one main row plus its newest-first index row), unchanged.
        TriageResult row = Assert.Single((await app.Results.ListAsync("h1", new TriageResultQuery())).Items);
        Assert.Equal(first.CreatedUtc, row.CreatedUtc);
        Assert.Equal(ClassNames.Normal, row.Label);
        TableClient table = new(azurite.ConnectionString, app.Storage.ResultsTable);
        Assert.Equal(2, await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"h1"}")).CountAsync());
    }

    [Fact]
    public async Task Run_CorruptImage_WritesRejectedRowWithCodeAndDoesNotThrow()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        BlobClient blob = await app.UploadXrayAsync("h1/broken.png", TestXrays.CorruptPng());

        // Trigger
        await app.Function<TriageUploadedXray>().Run(blob, CancellationToken.None);

        // Verify
        TriageResult row = (await app.Results.GetAsync("h1", ResultIds.ForBlob("h1", "broken.png")))!;
        Assert.Equal(TriageStatus.Rejected, row.Status);
        Assert.Equal(ImageErrorCodes.Corrupt, row.ErrorCode);
        Assert.False(string.IsNullOrWhiteSpace(row.ErrorReason));
        Assert.Null(row.Label);
    }

    [Fact]
    public async Task Run_TextFileUploaded_WritesRejectedRowUnsupportedFormat()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        BlobClient blob = await app.UploadXrayAsync("h1/notes.txt", "patient notes"u8.ToArray());

        // Trigger
        await app.Function<TriageUploadedXray>().Run(blob, CancellationToken.None);

        // Verify
        TriageResult row = (await app.Results.GetAsync("h1", ResultIds.ForBlob("h1", "notes.txt")))!;
        Assert.Equal((TriageStatus.Rejected, ImageErrorCodes.UnsupportedFormat), (row.Status, row.ErrorCode));
    }

    [Fact]
    public async Task Run_BlobOverTheByteLimit_WritesRejectedTooLargeWithoutReadingIt()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite, new Dictionary<string, string?> { ["Imaging:MaxBytes"] = "100" });
        await app.PublishAsync(TestModelPackages.Create("v1"));
        byte[] image = TestXrays.Covid();
        BlobClient blob = await app.UploadXrayAsync("h1/big.png", image);

        // Trigger
        await app.Function<TriageUploadedXray>().Run(blob, CancellationToken.None);

        // Verify
        TriageResult row = (await app.Results.GetAsync("h1", ResultIds.ForBlob("h1", "big.png")))!;
        Assert.Equal((TriageStatus.Rejected, ImageErrorCodes.TooLarge), (row.Status, row.ErrorCode));
        Assert.Equal(image.Length, row.ImageBytes);
        Assert.Null(row.ContentSha256);
    }

    [Fact]
    public async Task Run_NoModelPublished_WritesPendingRowWithoutThrowing()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        byte[] image = TestXrays.Covid();
        BlobClient blob = await app.UploadXrayAsync("h1/a.png", image);

        // Trigger: returns normally, so the host spends none of its retries.
        await app.Function<TriageUploadedXray>().Run(blob, CancellationToken.None);

        // Verify
        TriageResult row = Assert.Single((await app.Results.ListAsync("h1", new TriageResultQuery())).Items);
        Assert.Equal((TriageStatus.Pending, TriagePendingCodes.NoModel), (row.Status, row.ErrorCode));
        Assert.Equal((app.Storage.XraysContainer, "h1/a.png"), (row.ImageContainer, row.ImageBlobName));
        Assert.Equal(ModelPackage.Sha256Hex(image), row.ContentSha256);
        Assert.Null(row.Label);
        Assert.Contains("reconcil", row.ErrorReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_BlobOutsideAValidHospitalFolder_LogsAndWritesNothing()
    {
        // Setup
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        BlobClient blob = await app.UploadXrayAsync("St_Marys/a.png", TestXrays.Covid());

        // Trigger: returns normally (no retry can fix a name).
        await app.Function<TriageUploadedXray>().Run(blob, CancellationToken.None);

        // Verify
        Assert.Empty((await app.Results.ListAsync("st-marys", new TriageResultQuery())).Items);
    }

    [Fact]
    public async Task Run_PathTrickInName_WritesRejectedRowInvalidBlobName()
    {
        // Setup: a name with an empty segment, as a hand-crafted REST call could create.
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        await app.PublishAsync(TestModelPackages.Create("v1"));
        BlobClient blob = app.Xrays.GetBlobClient("h1/scans//a.png");

        // Trigger
        await app.Function<TriageUploadedXray>().Run(blob, CancellationToken.None);

        // Verify
        TriageResult row = (await app.Results.GetAsync("h1", ResultIds.ForBlob("h1", "scans//a.png")))!;
        Assert.Equal((TriageStatus.Rejected, TriageErrorCodes.InvalidBlobName), (row.Status, row.ErrorCode));
    }

    [Fact]
    public async Task Run_NewModelPublished_HotSwapsWithoutRestartAndRescoresRedelivery()
    {
        // Setup: v2 has the opposite sign, so the same image flips label.
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);
        CurrentModelPointer v1 = await app.PublishAsync(TestModelPackages.Create("v1", scale: 10f));
        TriageUploadedXray function = app.Function<TriageUploadedXray>();
        BlobClient blob = await app.UploadXrayAsync("h1/a.png", TestXrays.Covid());
        await function.Run(blob, CancellationToken.None);

        // Trigger: publish v2; the provider's next check (forced here instead of waiting the interval) swaps it in.
        await app.PublishAsync(TestModelPackages.Create("v2", scale: -10f), v1.ETag);
        bool swapped = await app.Provider.GetRequiredService<CurrentModelProvider>().RefreshAsync();
        await function.Run(blob, CancellationToken.None);

        // Verify
        Assert.True(swapped);
        Assert.Equal("v2", app.Provider.GetRequiredService<IXrayClassifier>().CurrentModel!.Version);
        TriageResult row = (await app.Results.GetAsync("h1", ResultIds.ForBlob("h1", "a.png")))!;
        Assert.Equal(("v2", ClassNames.Normal), (row.ModelVersion, row.Label));
    }
}
