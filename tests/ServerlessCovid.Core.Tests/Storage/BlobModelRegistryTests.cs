using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Core.Tests.Storage;

[Collection(TestCollections.Azurite)]
public sealed class BlobModelRegistryTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task GetCurrentAsync_NothingPublished_ReturnsNull()
    {
        // Arrange
        BlobModelRegistry registry = CreateRegistry(out _);

        // Act
        CurrentModelPointer? current = await registry.GetCurrentAsync();

        // Assert
        Assert.Null(current);
        Assert.Empty(await registry.ListAsync());
    }

    [Fact]
    public async Task PublishAsync_FirstVersionWithArtifacts_UploadsFilesAndSwitchesCurrent()
    {
        // Arrange
        BlobModelRegistry registry = CreateRegistry(out BlobContainerClient container);
        ModelPackage package = TestModelPackages.Create("v1");
        string artifacts = Directory.CreateTempSubdirectory().FullName;
        await File.WriteAllTextAsync(Path.Combine(artifacts, "report.html"), "<html>report</html>");
        Directory.CreateDirectory(Path.Combine(artifacts, "figures"));
        await File.WriteAllBytesAsync(Path.Combine(artifacts, "figures", "roc.png"), [1, 2, 3]);

        // Act
        CurrentModelPointer pointer = await registry.PublishAsync(package, artifacts, expectedCurrentETag: null);

        // Assert
        Assert.Equal("v1", pointer.Version);
        Assert.Equal(package.Manifest.OnnxSha256, pointer.OnnxSha256);
        Assert.Equal(pointer, await registry.GetCurrentAsync());
        string[] names = await container.GetBlobsAsync().Select(b => b.Name).OrderBy(n => n, StringComparer.Ordinal).ToArrayAsync();
        Assert.Equal(["current.json", "v1/figures/roc.png", "v1/manifest.json", "v1/model.onnx", "v1/report.html"], names);
        Assert.Equal("text/html; charset=utf-8",
            (await container.GetBlobClient("v1/report.html").GetPropertiesAsync()).Value.ContentType);
        Directory.Delete(artifacts, recursive: true);
    }

    [Fact]
    public async Task LoadPackageAsync_OnnxOverModelsMaxModelBytes_RefusedFromItsLengthWithoutDownloading()
    {
        // Arrange: v1 published, then its model.onnx replaced by a 64 KiB blob; the cap is 16 KiB.
        BlobModelRegistry publisher = CreateRegistry(out BlobContainerClient container);
        await publisher.PublishAsync(TestModelPackages.Create("v1"), artifactsDirectory: null, expectedCurrentETag: null);
        await container.GetBlobClient("v1/model.onnx").UploadAsync(new BinaryData(new byte[64 * 1024]), overwrite: true);
        BlobModelRegistry registry = new(
            azurite.CreateBlobServiceClient(),
            Options.Create(new StorageOptions { ModelsContainer = container.Name }),
            Options.Create(new ModelRegistryOptions { MaxModelBytes = 16 * 1024 }),
            TimeProvider.System,
            NullLogger<BlobModelRegistry>.Instance);

        // Act
        InvalidModelPackageException error = await Assert.ThrowsAsync<InvalidModelPackageException>(() => registry.LoadPackageAsync("v1"));

        // Assert
        Assert.Contains("Models:MaxModelBytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadPackageAsync_PublishedVersion_ReturnsVerifiedPackage()
    {
        // Arrange
        BlobModelRegistry registry = CreateRegistry(out _);
        ModelPackage package = TestModelPackages.Create("v1");
        await registry.PublishAsync(package, null, null);

        // Act
        ModelPackage loaded = await registry.LoadPackageAsync("v1");

        // Assert
        Assert.Equal("v1", loaded.Manifest.Version);
        Assert.Equal(package.Manifest.OnnxSha256, loaded.Manifest.OnnxSha256);
        Assert.Equal(package.Manifest.ClassNames, loaded.Manifest.ClassNames);
        Assert.Equal(package.Onnx.ToArray(), loaded.Onnx.ToArray());
    }

    [Fact]
    public async Task PublishAsync_PackageWithWeights_WeightsComeBackVerifiedButServingSkipsThem()
    {
        // Arrange
        BlobModelRegistry registry = CreateRegistry(out BlobContainerClient container);
        ModelPackage package = TestModelPackages.WithWeights("v1");

        // Act
        await registry.PublishAsync(package, null, null);
        byte[] weights = await registry.LoadWeightsAsync("v1");
        ModelPackage served = await registry.LoadPackageAsync("v1");

        // Assert
        Assert.Equal(TestModelPackages.Weights, weights);
        Assert.True(await container.GetBlobClient("v1/weights.pt").ExistsAsync());
        Assert.Equal(package.Manifest.Weights!.Sha256, served.Manifest.Weights?.Sha256);
        Assert.Null(served.Weights);
    }

    [Fact]
    public async Task LoadWeightsAsync_TamperedWeights_ThrowsInvalidModelWeights()
    {
        // Arrange
        BlobModelRegistry registry = CreateRegistry(out BlobContainerClient container);
        await registry.PublishAsync(TestModelPackages.WithWeights("v1"), null, null);
        await container.GetBlobClient("v1/weights.pt").UploadAsync(BinaryData.FromBytes([0, 1, 2]), overwrite: true);

        // Act
        InvalidModelWeightsException ex = await Assert.ThrowsAsync<InvalidModelWeightsException>(() => registry.LoadWeightsAsync("v1"));

        // Assert
        Assert.Contains("weights.pt of model v1 has SHA-256", ex.Message, StringComparison.Ordinal);
        Assert.Equal("v1", (await registry.LoadPackageAsync("v1")).Manifest.Version);
    }

    [Fact]
    public async Task LoadWeightsAsync_PackageFromBeforeWeights_ThrowsInvalidModelWeightsAndStillServes()
    {
        // Arrange
        BlobModelRegistry registry = CreateRegistry(out _);
        await registry.PublishAsync(TestModelPackages.Create("v0"), null, null);

        // Act
        InvalidModelWeightsException ex = await Assert.ThrowsAsync<InvalidModelWeightsException>(() => registry.LoadWeightsAsync("v0"));

        // Assert
        Assert.Contains("without weights", ex.Message, StringComparison.Ordinal);
        Assert.Null((await registry.LoadPackageAsync("v0")).Manifest.Weights);
    }

    [Fact]
    public async Task LoadPackageAsync_TamperedOnnx_ThrowsInvalidModelPackage()
    {
        // Arrange
        BlobModelRegistry registry = CreateRegistry(out BlobContainerClient container);
        await registry.PublishAsync(TestModelPackages.Create("v1"), null, null);
        await container.GetBlobClient("v1/model.onnx").UploadAsync(BinaryData.FromBytes([0, 1, 2]), overwrite: true);

        // Act
        InvalidModelPackageException ex = await Assert.ThrowsAsync<InvalidModelPackageException>(() => registry.LoadPackageAsync("v1"));

        // Assert
        Assert.Contains("SHA-256", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadPackageAsync_UnknownVersion_ThrowsModelVersionNotFound()
    {
        // Arrange
        BlobModelRegistry registry = CreateRegistry(out _);
        await registry.PublishAsync(TestModelPackages.Create("v1"), null, null);

        // Act + Assert
        await Assert.ThrowsAsync<ModelVersionNotFoundException>(() => registry.LoadPackageAsync("v2"));
    }

    [Theory]
    [InlineData("../v1")]
    [InlineData("v1/../../x")]
    [InlineData("")]
    [InlineData("a..b")]
    public async Task LoadPackageAsync_PathTrickVersion_ThrowsArgumentException(string version)
    {
        // Arrange
        BlobModelRegistry registry = CreateRegistry(out _);

        // Act + Assert
        await Assert.ThrowsAsync<ArgumentException>(() => registry.LoadPackageAsync(version));
    }

    [Fact]
    public async Task PublishAsync_SecondVersionWithCurrentETag_SwitchesAndListsNewestFirst()
    {
        // Arrange
        BlobModelRegistry registry = CreateRegistry(out _);
        CurrentModelPointer first = await registry.PublishAsync(
            TestModelPackages.Create("v1", created: DateTimeOffset.Parse("2026-11-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture)), null, null);

        // Act
        CurrentModelPointer second = await registry.PublishAsync(
            TestModelPackages.Create("v2", scale: 5f, created: DateTimeOffset.Parse("2026-11-02T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture)),
            null, first.ETag);

        // Assert
        Assert.Equal("v2", second.Version);
        Assert.NotEqual(first.ETag, second.ETag);
        Assert.Equal(["v2", "v1"], (await registry.ListAsync()).Select(m => m.Version));
    }

    [Fact]
    public async Task PublishAsync_StaleETag_ThrowsConflictAndKeepsCurrent()
    {
        // Arrange
        BlobModelRegistry registry = CreateRegistry(out _);
        CurrentModelPointer first = await registry.PublishAsync(TestModelPackages.Create("v1"), null, null);
        await registry.PublishAsync(TestModelPackages.Create("v2", scale: 5f), null, first.ETag);

        // Act
        await Assert.ThrowsAsync<ModelRegistryConflictException>(
            () => registry.PublishAsync(TestModelPackages.Create("v3", scale: 3f), null, first.ETag));

        // Assert
        Assert.Equal("v2", (await registry.GetCurrentAsync())!.Version);
    }

    [Fact]
    public async Task PublishAsync_FirstPublishWhenOneExists_ThrowsConflict()
    {
        // Arrange
        BlobModelRegistry registry = CreateRegistry(out _);
        await registry.PublishAsync(TestModelPackages.Create("v1"), null, null);

        // Act + Assert
        await Assert.ThrowsAsync<ModelRegistryConflictException>(
            () => registry.PublishAsync(TestModelPackages.Create("v2", scale: 5f), null, expectedCurrentETag: null));
    }

    [Fact]
    public async Task PublishAsync_SameVersionDifferentModel_ThrowsConflict()
    {
        // Arrange
        BlobModelRegistry registry = CreateRegistry(out _);
        CurrentModelPointer first = await registry.PublishAsync(TestModelPackages.Create("v1"), null, null);

        // Act
        ModelRegistryConflictException ex = await Assert.ThrowsAsync<ModelRegistryConflictException>(
            () => registry.PublishAsync(TestModelPackages.Create("v1", scale: 2f), null, first.ETag));

        // Assert
        Assert.Contains("immutable", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SwitchAsync_StalePointer_StorageRejectsTheWrite()
    {
        // Arrange: a pointer read before someone else switched current.json.
        BlobModelRegistry registry = CreateRegistry(out _);
        CurrentModelPointer stale = await registry.PublishAsync(TestModelPackages.Create("v1"), null, null);
        await registry.PublishAsync(TestModelPackages.Create("v2", scale: 5f), null, stale.ETag);

        // Act + Assert: If-Match with the stale ETag, and If-None-Match:* on an existing blob, both fail.
        await Assert.ThrowsAsync<ModelRegistryConflictException>(
            () => registry.SwitchAsync("v1", stale.OnnxSha256, "race", stale, CancellationToken.None));
        await Assert.ThrowsAsync<ModelRegistryConflictException>(
            () => registry.SwitchAsync("v1", stale.OnnxSha256, "race", null, CancellationToken.None));
        Assert.Equal("v2", (await registry.GetCurrentAsync())!.Version);
    }

    [Fact]
    public async Task RollbackAsync_PublishedVersion_SwitchesCurrentWithReason()
    {
        // Arrange
        BlobModelRegistry registry = CreateRegistry(out _);
        CurrentModelPointer first = await registry.PublishAsync(TestModelPackages.Create("v1"), null, null);
        CurrentModelPointer second = await registry.PublishAsync(TestModelPackages.Create("v2", scale: 5f), null, first.ETag);

        // Act
        CurrentModelPointer rolledBack = await registry.RollbackAsync("v1", "sensitivity dropped");

        // Assert
        Assert.Equal("v1", rolledBack.Version);
        Assert.Equal(first.OnnxSha256, rolledBack.OnnxSha256);
        Assert.Equal("sensitivity dropped", rolledBack.Reason);
        Assert.NotEqual(second.ETag, rolledBack.ETag);
        Assert.Equal(rolledBack, await registry.GetCurrentAsync());
    }

    [Fact]
    public async Task RollbackAsync_UnpublishedVersion_ThrowsModelVersionNotFound()
    {
        // Arrange
        BlobModelRegistry registry = CreateRegistry(out _);
        await registry.PublishAsync(TestModelPackages.Create("v1"), null, null);

        // Act + Assert
        await Assert.ThrowsAsync<ModelVersionNotFoundException>(() => registry.RollbackAsync("v0", "oops"));
        Assert.Equal("v1", (await registry.GetCurrentAsync())!.Version);
    }

    [Fact]
    public async Task ListAsync_IncompleteUpload_IsNotListed()
    {
        // Arrange
        BlobModelRegistry registry = CreateRegistry(out BlobContainerClient container);
        await registry.PublishAsync(TestModelPackages.Create("v1"), null, null);
        await container.GetBlobClient("v2/model.onnx").UploadAsync(BinaryData.FromBytes([1]));

        // Act
        IReadOnlyList<ModelManifest> manifests = await registry.ListAsync();

        // Assert
        Assert.Equal(["v1"], manifests.Select(m => m.Version));
    }

    private BlobModelRegistry CreateRegistry(out BlobContainerClient container)
    {
        StorageOptions options = azurite.NewStorageOptions();
        BlobServiceClient blobs = azurite.CreateBlobServiceClient();
        container = blobs.GetBlobContainerClient(options.ModelsContainer);
        return new BlobModelRegistry(blobs, Options.Create(options), TimeProvider.System, NullLogger<BlobModelRegistry>.Instance);
    }
}
