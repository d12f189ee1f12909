using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Cli.Tests;

[Collection(TestCollections.Azurite)]
public sealed class ModelsCommandTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task ModelsList_TwoPublished_JsonListsNewestFirstAndMarksCurrent()
    {
        // Arrange
        (StorageOptions options, BlobModelRegistry registry) = CreateRegistry();
        await registry.PublishAsync(TestPackages.Create("v1"), null, null);
        CurrentModelPointer? current = await registry.GetCurrentAsync();
        await registry.PublishAsync(TestPackages.Create("v2", threshold: 0.3), null, current!.ETag);

        // Act
        CliRun run = await CliRunner.RunAsync(["models", "list", "--json", .. StorageCliArguments.For(azurite, options)]);

        // Assert
        Assert.Equal(CovidCli.Success, run.ExitCode);
        using JsonDocument json = JsonDocument.Parse(run.Output);
        Assert.Equal("v2", json.RootElement.GetProperty("currentVersion").GetString());
        JsonElement[] models = [.. json.RootElement.GetProperty("models").EnumerateArray()];
        Assert.Equal(2, models.Length);
        Assert.Contains(models, m => m.GetProperty("version").GetString() == "v2" && m.GetProperty("current").GetBoolean()
            && m.GetProperty("operatingThreshold").GetDouble() == 0.3);
        Assert.Contains(models, m => m.GetProperty("version").GetString() == "v1" && !m.GetProperty("current").GetBoolean());
    }

    [Fact]
    public async Task ModelsList_FormatJson_ArrayOfModelRowsNewestFirst()
    {
        // Arrange
        (StorageOptions options, BlobModelRegistry registry) = CreateRegistry();
        await registry.PublishAsync(TestPackages.Create("v1"), null, null);
        CurrentModelPointer? current = await registry.GetCurrentAsync();
        await registry.PublishAsync(TestPackages.Create("v2", threshold: 0.3), null, current!.ETag);

        // Act
        CliRun run = await CliRunner.RunAsync(["models", "list", "--format", "json", .. StorageCliArguments.For(azurite, options)]);

        // Assert
        Assert.Equal(CovidCli.Success, run.ExitCode);
        using JsonDocument json = JsonDocument.Parse(run.Output);
        JsonElement[] models = [.. json.RootElement.EnumerateArray()];
        Assert.Equal(["v2", "v1"], models.Select(m => m.GetProperty("version").GetString()!).ToArray());
        Assert.Equal([true, false], models.Select(m => m.GetProperty("current").GetBoolean()).ToArray());
        Assert.Equal(0.3, models[0].GetProperty("operatingThreshold").GetDouble());
        Assert.Equal(JsonValueKind.String, models[0].GetProperty("onnxSha256").ValueKind);
        Assert.True(models[0].TryGetProperty("preset", out _));
    }

    [Fact]
    public async Task ModelsList_NothingPublished_SaysSoAndSucceeds()
    {
        // Arrange
        (StorageOptions options, _) = CreateRegistry();

        // Act
        CliRun run = await CliRunner.RunAsync(["models", "list", .. StorageCliArguments.For(azurite, options)]);

        // Assert
        Assert.Equal(CovidCli.Success, run.ExitCode);
        Assert.Contains("No models are published", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelsShow_NoVersion_ShowsTheServedManifest()
    {
        // Arrange
        (StorageOptions options, BlobModelRegistry registry) = CreateRegistry();
        await registry.PublishAsync(TestPackages.Create("v7", threshold: 0.42), null, null);

        // Act
        CliRun run = await CliRunner.RunAsync(["models", "show", .. StorageCliArguments.For(azurite, options)]);

        // Assert
        Assert.Equal(CovidCli.Success, run.ExitCode);
        Assert.Contains("v7 (served)", run.Output, StringComparison.Ordinal);
        Assert.Contains("P(covid) >= 0.42 (test)", run.Output, StringComparison.Ordinal);
        Assert.Contains("Not for clinical use", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelsShow_UnknownVersion_FailsAndListsPublished()
    {
        // Arrange
        (StorageOptions options, BlobModelRegistry registry) = CreateRegistry();
        await registry.PublishAsync(TestPackages.Create("v1"), null, null);

        // Act
        CliRun run = await CliRunner.RunAsync(["models", "show", "v9", "--json", .. StorageCliArguments.For(azurite, options)]);

        // Assert
        Assert.Equal(CovidCli.Failure, run.ExitCode);
        Assert.Contains("'v9' is not published here. Published: v1.", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task ModelsRollback_PublishedVersion_SwitchesCurrent()
    {
        // Arrange
        (StorageOptions options, BlobModelRegistry registry) = CreateRegistry();
        CurrentModelPointer first = await registry.PublishAsync(TestPackages.Create("v1"), null, null);
        await registry.PublishAsync(TestPackages.Create("v2"), null, first.ETag);

        // Act
        CliRun run = await CliRunner.RunAsync(
            ["models", "rollback", "v1", "--reason", "v2 misses positives", "--json", .. StorageCliArguments.For(azurite, options)]);

        // Assert
        Assert.Equal(CovidCli.Success, run.ExitCode);
        using JsonDocument json = JsonDocument.Parse(run.Output);
        Assert.Equal("v2", json.RootElement.GetProperty("previousVersion").GetString());
        Assert.Equal("v1", json.RootElement.GetProperty("current").GetProperty("version").GetString());
        CurrentModelPointer? current = await registry.GetCurrentAsync();
        Assert.Equal("v1", current!.Version);
        Assert.Equal("v2 misses positives", current.Reason);
    }

    [Fact]
    public async Task ModelsRollback_UnpublishedVersion_FailsAndKeepsCurrent()
    {
        // Arrange
        (StorageOptions options, BlobModelRegistry registry) = CreateRegistry();
        await registry.PublishAsync(TestPackages.Create("v1"), null, null);

        // Act
        CliRun run = await CliRunner.RunAsync(["models", "rollback", "v0", .. StorageCliArguments.For(azurite, options)]);

        // Assert
        Assert.Equal(CovidCli.Failure, run.ExitCode);
        Assert.Contains("Cannot roll back to 'v0'", run.Error, StringComparison.Ordinal);
        Assert.Equal("v1", (await registry.GetCurrentAsync())!.Version);
    }

    [Fact]
    public async Task ModelsRollback_NoVersion_ReturnsUsageError()
    {
        // Act
        CliRun run = await CliRunner.RunAsync("models", "rollback", "--storage", "UseDevelopmentStorage=true");

        // Assert
        Assert.Equal(CovidCli.UsageError, run.ExitCode);
        Assert.Contains("Required argument missing", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelsList_UnreachableStorage_FailsWithStorageReason()
    {
        // Arrange: a loopback port nothing listens on, and no retries worth waiting for.
        string connection = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey="
            + Core.Storage.Emulator.AzuriteProcess.AccountKey + ";BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;";

        // Act
        CliRun run = await CliRunner.RunAsync("models", "list", "--storage", connection);

        // Assert
        Assert.Equal(CovidCli.Failure, run.ExitCode);
        Assert.StartsWith("error: ", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }

    private (StorageOptions Options, BlobModelRegistry Registry) CreateRegistry()
    {
        StorageOptions options = azurite.NewStorageOptions();
        BlobModelRegistry registry = new(
            azurite.CreateBlobServiceClient(), Options.Create(options), TimeProvider.System, NullLogger<BlobModelRegistry>.Instance);
        return (options, registry);
    }
}
