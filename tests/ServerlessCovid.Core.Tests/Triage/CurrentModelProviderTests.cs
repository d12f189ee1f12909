using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using NSubstitute;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Core.Tests.Storage;
using ServerlessCovid.Core.Triage;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Core.Tests.Triage;

/// <summary>
/// The refresh logic against a real registry on Azurite; the classifier is a recording substitute here because
/// what is under test is when <see cref="IXrayClassifier.Activate"/> is called (the real hot swap is tested with
/// the ONNX classifier in the Functions tests).
/// </summary>
[Collection(TestCollections.Azurite)]
public sealed class CurrentModelProviderTests(AzuriteFixture azurite)
{
    private readonly ManualTimeProvider _time = new(DateTimeOffset.Parse("2026-11-26T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly List<string> _activated = [];

    [Fact]
    public async Task GetActiveAsync_NothingPublished_ThrowsModelUnavailable()
    {
        // Arrange
        (CurrentModelProvider provider, _, _) = Create();

        // Act + Assert
        await Assert.ThrowsAsync<ModelUnavailableException>(() => provider.GetActiveAsync());
        Assert.Empty(_activated);
    }

    [Fact]
    public async Task GetActiveAsync_PublishedModel_ActivatesItOnce()
    {
        // Arrange
        (CurrentModelProvider provider, BlobModelRegistry registry, _) = Create();
        await registry.PublishAsync(TestModelPackages.Create("v1"), null, null);

        // Act
        ModelManifest first = await provider.GetActiveAsync();
        _time.Advance(TimeSpan.FromMinutes(5));
        ModelManifest second = await provider.GetActiveAsync();

        // Assert
        Assert.Equal("v1", first.Version);
        Assert.Equal("v1", second.Version);
        Assert.Equal(["v1"], _activated);
    }

    [Fact]
    public async Task GetActiveAsync_NewVersionPublished_SwapsOnlyAfterTheInterval()
    {
        // Arrange
        (CurrentModelProvider provider, BlobModelRegistry registry, _) = Create(refreshSeconds: 30);
        CurrentModelPointer v1 = await registry.PublishAsync(TestModelPackages.Create("v1"), null, null);
        await provider.GetActiveAsync();
        await registry.PublishAsync(TestModelPackages.Create("v2", scale: 5f), null, v1.ETag);

        // Act
        _time.Advance(TimeSpan.FromSeconds(10));
        string beforeInterval = (await provider.GetActiveAsync()).Version;
        _time.Advance(TimeSpan.FromSeconds(25));
        string afterInterval = (await provider.GetActiveAsync()).Version;

        // Assert
        Assert.Equal("v1", beforeInterval);
        Assert.Equal("v2", afterInterval);
        Assert.Equal(["v1", "v2"], _activated);
    }

    [Fact]
    public async Task RefreshAsync_RollbackToOldVersion_ActivatesItAgain()
    {
        // Arrange
        (CurrentModelProvider provider, BlobModelRegistry registry, _) = Create();
        CurrentModelPointer v1 = await registry.PublishAsync(TestModelPackages.Create("v1"), null, null);
        await registry.PublishAsync(TestModelPackages.Create("v2", scale: 5f), null, v1.ETag);
        await provider.GetActiveAsync();

        // Act
        await registry.RollbackAsync("v1", "regression");
        bool changed = await provider.RefreshAsync();

        // Assert
        Assert.True(changed);
        Assert.Equal(["v2", "v1"], _activated);
    }

    [Fact]
    public async Task RefreshAsync_NewPackageCorrupt_KeepsServingPreviousModel()
    {
        // Arrange
        (CurrentModelProvider provider, BlobModelRegistry registry, BlobContainerClient container) = Create();
        CurrentModelPointer v1 = await registry.PublishAsync(TestModelPackages.Create("v1"), null, null);
        await provider.GetActiveAsync();
        await registry.PublishAsync(TestModelPackages.Create("v2", scale: 5f), null, v1.ETag);
        await container.GetBlobClient("v2/model.onnx").UploadAsync(BinaryData.FromBytes([9, 9, 9]), overwrite: true);

        // Act
        bool changed = await provider.RefreshAsync();
        ModelManifest active = await provider.GetActiveAsync();

        // Assert
        Assert.False(changed);
        Assert.Equal("v1", active.Version);
        Assert.Equal(["v1"], _activated);
    }

    [Fact]
    public async Task RefreshAsync_SameBrokenCurrentJson_NotDownloadedAgainUntilTheBackOffEnds()
    {
        // Arrange: v1 served; v2 published with a corrupt graph; refresh interval 30 s.
        (CurrentModelProvider provider, BlobModelRegistry registry, BlobContainerClient container) = Create(refreshSeconds: 30);
        CurrentModelPointer v1 = await registry.PublishAsync(TestModelPackages.Create("v1"), null, null);
        await provider.GetActiveAsync();
        await registry.PublishAsync(TestModelPackages.Create("v2", scale: 5f), null, v1.ETag);
        await container.GetBlobClient("v2/model.onnx").UploadAsync(BinaryData.FromBytes([9, 9, 9]), overwrite: true);
        await provider.RefreshAsync(); // first failure: back off 30 s

        // Act: forced refreshes inside the back-off, then one after it, then again inside the doubled back-off.
        bool inside = await provider.RefreshAsync();
        _time.Advance(TimeSpan.FromSeconds(31));
        bool after = await provider.RefreshAsync();
        _time.Advance(TimeSpan.FromSeconds(31));
        bool insideDoubled = await provider.RefreshAsync();

        // Assert: v1 still served throughout and v2 never activated; the back-off is remembered per ETag.
        Assert.False(inside || after || insideDoubled);
        Assert.Equal("v1", (await provider.GetActiveAsync()).Version);
        Assert.Equal(["v1"], _activated);
        Assert.Equal(2, provider.FailedLoadAttempts);
    }

    [Fact]
    public async Task GetActiveAsync_FirstPackageCorrupt_ThrowsSoTheCallerRetries()
    {
        // Arrange
        (CurrentModelProvider provider, BlobModelRegistry registry, BlobContainerClient container) = Create();
        await registry.PublishAsync(TestModelPackages.Create("v1"), null, null);
        await container.GetBlobClient("v1/model.onnx").UploadAsync(BinaryData.FromBytes([9, 9, 9]), overwrite: true);

        // Act + Assert
        ModelUnavailableException ex = await Assert.ThrowsAsync<ModelUnavailableException>(() => provider.GetActiveAsync());
        Assert.IsType<InvalidModelPackageException>(ex.InnerException);
        Assert.Empty(_activated);
    }

    [Fact]
    public async Task RefreshAsync_PackageShaDiffersFromCurrentJson_RefusedLoggedAndPreviousKeepsServing()
    {
        // Arrange: v2 is switched to, then its folder is replaced by another self-consistent package under the same name.
        FakeLogger<CurrentModelProvider> logger = new();
        (CurrentModelProvider provider, BlobModelRegistry registry, BlobContainerClient container) = Create(logger: logger);
        CurrentModelPointer v1 = await registry.PublishAsync(TestModelPackages.Create("v1"), null, null);
        await provider.GetActiveAsync();
        CurrentModelPointer v2 = await registry.PublishAsync(TestModelPackages.Create("v2", scale: 5f), null, v1.ETag);
        ModelPackage impostor = TestModelPackages.Create("v2", scale: -5f);
        await container.GetBlobClient("v2/model.onnx").UploadAsync(new BinaryData(impostor.Onnx), overwrite: true);
        await container.GetBlobClient("v2/manifest.json").UploadAsync(BinaryData.FromString(impostor.Manifest.ToJson()), overwrite: true);

        // Act
        bool changed = await provider.RefreshAsync();

        // Assert
        Assert.False(changed);
        Assert.Equal("v1", (await provider.GetActiveAsync()).Version);
        Assert.Equal(["v1"], _activated);
        Assert.Equal(1, provider.FailedLoadAttempts);
        FakeLogRecord refusal = Assert.Single(logger.Collector.GetSnapshot(), r => r.Message.StartsWith("Refusing model v2", StringComparison.Ordinal));
        Assert.Contains(v2.OnnxSha256, refusal.Message, StringComparison.Ordinal);
        Assert.Contains(impostor.Manifest.OnnxSha256, refusal.Message, StringComparison.Ordinal);
    }

    private (CurrentModelProvider Provider, BlobModelRegistry Registry, BlobContainerClient Models) Create(
        int refreshSeconds = 30, FakeLogger<CurrentModelProvider>? logger = null)
    {
        StorageOptions options = azurite.NewStorageOptions();
        BlobServiceClient blobs = azurite.CreateBlobServiceClient();
        BlobModelRegistry registry = new(blobs, Options.Create(options), _time, NullLogger<BlobModelRegistry>.Instance);
        IXrayClassifier classifier = Substitute.For<IXrayClassifier>();
        ModelManifest? current = null;
        classifier.CurrentModel.Returns(_ => current);
        classifier.When(c => c.Activate(Arg.Any<ModelPackage>())).Do(call =>
        {
            current = call.Arg<ModelPackage>().Manifest;
            _activated.Add(current.Version);
        });
        CurrentModelProvider provider = new(
            registry, classifier, Options.Create(new TriageOptions { ModelRefreshSeconds = refreshSeconds }), _time,
            (ILogger<CurrentModelProvider>?)logger ?? NullLogger<CurrentModelProvider>.Instance);
        return (provider, registry, blobs.GetBlobContainerClient(options.ModelsContainer));
    }
}
