using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Cli.Tests;

/// <summary><c>covid hospitals add|list|revoke-key</c> and <c>covid models publish</c> against Azurite.</summary>
[Collection(TestCollections.Azurite)]
public sealed class HospitalsAndPublishCommandTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task HospitalsAddListRevoke_Key_IsShownOnceListedWithoutSecretAndRevoked()
    {
        // Arrange
        string[] storage = Storage(azurite.NewStorageOptions());

        // Act
        CliRun add = await CliRunner.RunAsync(["hospitals", "add", "st-marys", "--json", .. storage]);
        using JsonDocument issued = JsonDocument.Parse(add.Output);
        string key = issued.RootElement.GetProperty("key").GetString()!;
        string id = issued.RootElement.GetProperty("info").GetProperty("id").GetString()!;
        CliRun listBefore = await CliRunner.RunAsync(["hospitals", "list", "--json", .. storage]);
        CliRun revoke = await CliRunner.RunAsync(["hospitals", "revoke-key", id, .. storage]);
        CliRun listAfter = await CliRunner.RunAsync(["hospitals", "list", "--json", .. storage]);
        CliRun revokeUnknown = await CliRunner.RunAsync(["hospitals", "revoke-key", "0123456789ab", .. storage]);

        // Assert
        Assert.Equal(CovidCli.Success, add.ExitCode);
        Assert.StartsWith("sck_" + id + "_", key, StringComparison.Ordinal);
        Assert.Contains(id, listBefore.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(key[(4 + id.Length + 1)..], listBefore.Output, StringComparison.Ordinal);
        Assert.Equal(CovidCli.Success, revoke.ExitCode);
        using JsonDocument after = JsonDocument.Parse(listAfter.Output);
        Assert.True(after.RootElement[0].GetProperty("revoked").GetBoolean());
        Assert.Equal(CovidCli.Failure, revokeUnknown.ExitCode);
    }

    [Fact]
    public async Task HospitalsList_FormatCsv_OneRecordPerKeyAndNoKeyColumn()
    {
        // Arrange
        string[] storage = Storage(azurite.NewStorageOptions());
        CliRun add = await CliRunner.RunAsync(["hospitals", "add", "st-marys", "--json", .. storage]);
        using JsonDocument issued = JsonDocument.Parse(add.Output);
        string id = issued.RootElement.GetProperty("info").GetProperty("id").GetString()!;
        string key = issued.RootElement.GetProperty("key").GetString()!;
        await CliRunner.RunAsync(["hospitals", "add", "ops", "--admin", .. storage]);

        // Act
        CliRun list = await CliRunner.RunAsync(["hospitals", "list", "--format", "csv", .. storage]);

        // Assert
        Assert.Equal(CovidCli.Success, list.ExitCode);
        string[] records = list.Output.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("id,role,hospital,name,createdUtc,revokedUtc", records[0]);
        Assert.Equal(3, records.Length);
        Assert.Contains(records, r => r.StartsWith(id + ",hospital,st-marys,", StringComparison.Ordinal) && r.EndsWith(',')); // not revoked
        Assert.Contains(records, r => r.Contains(",admin,,ops,", StringComparison.Ordinal));
        Assert.DoesNotContain(key[(4 + id.Length + 1)..], list.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HospitalsAdd_InvalidHospitalWithTrailingNewline_IsUsageError()
    {
        // Arrange / Act
        CliRun run = await CliRunner.RunAsync(["hospitals", "add", "h1\n", .. Storage(azurite.NewStorageOptions())]);

        // Assert
        Assert.Equal(CovidCli.UsageError, run.ExitCode);
    }

    [Fact]
    public async Task ModelsPublish_ValidPackage_PublishesAndServesIt()
    {
        // Arrange
        StorageOptions options = azurite.NewStorageOptions();
        string directory = Directory.CreateTempSubdirectory("covid-publish-").FullName;
        TestPackages.Create("ext-1").SaveToDirectory(directory);

        // Act
        CliRun run = await CliRunner.RunAsync(["models", "publish", directory, .. Storage(options)]);

        // Assert
        Assert.True(run.ExitCode == CovidCli.Success, run.Output + run.Error);
        Assert.Equal("ext-1", (await Registry(options).GetCurrentAsync())?.Version);
    }

    [Fact]
    public async Task ModelsPublish_TamperedOnnx_FailsAndPublishesNothing()
    {
        // Arrange
        StorageOptions options = azurite.NewStorageOptions();
        string directory = Directory.CreateTempSubdirectory("covid-publish-").FullName;
        TestPackages.Create("ext-2").SaveToDirectory(directory);
        byte[] onnx = await File.ReadAllBytesAsync(Path.Combine(directory, ModelManifest.OnnxFileName));
        onnx[^1] ^= 0xFF;
        await File.WriteAllBytesAsync(Path.Combine(directory, ModelManifest.OnnxFileName), onnx);

        // Act
        CliRun run = await CliRunner.RunAsync(["models", "publish", directory, .. Storage(options)]);

        // Assert
        Assert.Equal(CovidCli.Failure, run.ExitCode);
        Assert.Null(await Registry(options).GetCurrentAsync());
    }

    [Fact]
    public async Task ModelsPublish_NotLoadableByOnnxRuntime_FailsAndPublishesNothing()
    {
        // Arrange: the checksum matches, but the bytes are no ONNX graph.
        StorageOptions options = azurite.NewStorageOptions();
        string directory = Directory.CreateTempSubdirectory("covid-publish-").FullName;
        ModelPackage valid = TestPackages.Create("ext-3");
        ModelPackage.Create(valid.Manifest with { OnnxSha256 = string.Empty }, [1, 2, 3, 4, 5, 6, 7, 8]).SaveToDirectory(directory);

        // Act
        CliRun run = await CliRunner.RunAsync(["models", "publish", directory, .. Storage(options)]);

        // Assert
        Assert.Equal(CovidCli.Failure, run.ExitCode);
        Assert.Null(await Registry(options).GetCurrentAsync());
    }

    private string[] Storage(StorageOptions options) =>
        [.. StorageCliArguments.For(azurite, options), "--set", "Access:KeysTable=Keys" + options.ResultsTable["Results".Length..]];

    private BlobModelRegistry Registry(StorageOptions options) =>
        new(azurite.CreateBlobServiceClient(), Options.Create(options), TimeProvider.System, NullLogger<BlobModelRegistry>.Instance);
}
