using Azure.Data.Tables;
using Azure.Storage.Blobs;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Core.Tests.Storage;

[Collection(TestCollections.Azurite)]
public sealed class AzuriteFixtureTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task ConnectionString_RealSdkClients_RoundTripBlobAndTableEntity()
    {
        // Arrange
        StorageOptions options = azurite.NewStorageOptions();
        StorageAccount account = StorageAccount.FromConnectionString(azurite.ConnectionString);
        BlobContainerClient container = account.CreateBlobServiceClient().GetBlobContainerClient(options.XraysContainer);
        TableClient table = account.CreateTableServiceClient().GetTableClient(options.ResultsTable);
        await container.CreateIfNotExistsAsync();
        await table.CreateIfNotExistsAsync();

        // Act
        await container.UploadBlobAsync("h1/x.png", BinaryData.FromString("x-ray"));
        await table.AddEntityAsync(new TableEntity("h1", "r1") { ["Status"] = "scored" });

        // Assert
        Assert.Equal("x-ray", (await container.GetBlobClient("h1/x.png").DownloadContentAsync()).Value.Content.ToString());
        Assert.Equal("scored", (await table.GetEntityAsync<TableEntity>("h1", "r1")).Value.GetString("Status"));
        Assert.Contains("127.0.0.1", azurite.ConnectionString, StringComparison.Ordinal);
    }

    [Fact]
    public void NewStorageOptions_TwoCalls_GiveDisjointValidNames()
    {
        // Act
        StorageOptions first = azurite.NewStorageOptions();
        StorageOptions second = azurite.NewStorageOptions();

        // Assert
        Assert.NotEqual(first.XraysContainer, second.XraysContainer);
        Assert.NotEqual(first.ResultsTable, second.ResultsTable);
        var context = new System.ComponentModel.DataAnnotations.ValidationContext(first);
        System.ComponentModel.DataAnnotations.Validator.ValidateObject(first, context, validateAllProperties: true);
    }
}
