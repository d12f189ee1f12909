using System.Text.Json;
using Azure.Storage.Blobs;
using ServerlessCovid.Core.Datasets;
using ServerlessCovid.Core.Datasets.Synthetic;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Cli.Tests;

[Collection(TestCollections.Azurite)]
public sealed class ResultsReconcileCommandTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task ResultsReconcile_BlobWithoutRowAndNoModel_JsonCountsOnePendingAndWritesPendingRow()
    {
        // Arrange
        StorageOptions options = azurite.NewStorageOptions();
        BlobContainerClient xrays = azurite.CreateBlobServiceClient().GetBlobContainerClient(options.XraysContainer);
        await xrays.CreateIfNotExistsAsync();
        await xrays.GetBlobClient("h1/a.png").UploadAsync(BinaryData.FromBytes([1, 2, 3]));

        // Act
        CliRun run = await CliRunner.RunAsync(
            ["results", "reconcile", "--hospital", "h1", "--json", .. StorageCliArguments.For(azurite, options)]);

        // Assert
        Assert.Equal(CovidCli.Success, run.ExitCode);
        using JsonDocument json = JsonDocument.Parse(run.Output);
        JsonElement report = json.RootElement.GetProperty("report");
        Assert.Equal("h1", json.RootElement.GetProperty("hospital").GetString());
        Assert.Equal((1, 1, 0), (report.GetProperty("listed").GetInt32(), report.GetProperty("pending").GetInt32(), report.GetProperty("newlyTriaged").GetInt32()));
        Assert.True(report.GetProperty("listingComplete").GetBoolean());
        TriageResultStore store = new(azurite.CreateTableServiceClient(), Options.Create(options), NullLogger<TriageResultStore>.Instance);
        TriageResult row = Assert.Single(await store.ListPendingAsync("h1", 10));
        Assert.Equal((TriagePendingCodes.NoModel, "h1/a.png"), (row.ErrorCode, row.ImageBlobName));
    }

    [Fact]
    public async Task ResultsReconcile_PendingRowAfterPublish_PrintsOnePendingRescored()
    {
        // Arrange: the first sweep leaves a pending row; then a model is published.
        StorageOptions options = azurite.NewStorageOptions();
        BlobContainerClient xrays = azurite.CreateBlobServiceClient().GetBlobContainerClient(options.XraysContainer);
        await xrays.CreateIfNotExistsAsync();
        await xrays.GetBlobClient("h1/a.png").UploadAsync(BinaryData.FromBytes(SyntheticXrayGenerator.Generate(1, 1, 32).EncodePng()));
        string[] storage = StorageCliArguments.For(azurite, options);
        Assert.Equal(CovidCli.Success, (await CliRunner.RunAsync(["results", "reconcile", .. storage])).ExitCode);
        BlobModelRegistry registry = new(azurite.CreateBlobServiceClient(), Options.Create(options), TimeProvider.System, NullLogger<BlobModelRegistry>.Instance);
        await registry.PublishAsync(TestPackages.Create("v1"), null, null);

        // Act
        CliRun run = await CliRunner.RunAsync(["results", "reconcile", .. storage]);

        // Assert
        Assert.Equal(CovidCli.Success, run.ExitCode);
        Assert.Contains("Reconciled all hospitals: 1 blob(s) listed", run.Output, StringComparison.Ordinal);
        Assert.Matches(@"pending rescored\s+1", run.Output);
        Assert.Matches(@"still pending\s+0", run.Output);
    }

    [Fact]
    public async Task ResultsReconcile_InvalidHospital_ReturnsUsageError()
    {
        // Act
        CliRun run = await CliRunner.RunAsync(["results", "reconcile", "--hospital", "St Mary's"]);

        // Assert
        Assert.Equal(CovidCli.UsageError, run.ExitCode);
        Assert.Contains("is not a hospital id", run.Error, StringComparison.Ordinal);
    }
}
