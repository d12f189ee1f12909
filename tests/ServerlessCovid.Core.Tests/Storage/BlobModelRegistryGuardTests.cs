using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Core.Tests.Storage;

/// <summary>The registry refuses what no instance could serve, and a losing publisher cleans up after itself.</summary>
[Collection(TestCollections.Azurite)]
public sealed class BlobModelRegistryGuardTests(AzuriteFixture azurite)
{
    private static readonly byte[] NotOnnx = [1, 2, 3, 4, 5, 6, 7, 8];

    [Fact]
    public async Task PublishAsync_OnnxRuntimeCannotLoadGraph_ThrowsNotServableAndUploadsNothing()
    {
        // Arrange: the checksum matches, but the bytes are no ONNX graph.
        BlobModelRegistry registry = CreateRegistry(out BlobContainerClient container);
        ModelPackage unloadable = ModelPackage.Create(TestModelPackages.Create("v1").Manifest with { OnnxSha256 = string.Empty }, NotOnnx);

        // Act
        ModelNotServableException ex = await Assert.ThrowsAsync<ModelNotServableException>(
            () => registry.PublishAsync(unloadable, null, null));

        // Assert
        Assert.Contains("ONNX Runtime cannot load", ex.Message, StringComparison.Ordinal);
        Assert.Null(await registry.GetCurrentAsync());
        Assert.False(await container.ExistsAsync());
    }

    [Fact]
    public async Task RollbackAsync_VersionOnnxRuntimeCannotLoad_ThrowsNotServableAndKeepsCurrent()
    {
        // Arrange: v1's folder replaced by a self-consistent package (manifest matches bytes) that is not ONNX.
        BlobModelRegistry registry = CreateRegistry(out BlobContainerClient container);
        CurrentModelPointer v1 = await registry.PublishAsync(TestModelPackages.Create("v1"), null, null);
        CurrentModelPointer v2 = await registry.PublishAsync(TestModelPackages.Create("v2", scale: 5f), null, v1.ETag);
        ModelPackage broken = ModelPackage.Create(TestModelPackages.Create("v1").Manifest with { OnnxSha256 = string.Empty }, NotOnnx);
        await container.GetBlobClient("v1/model.onnx").UploadAsync(new BinaryData(broken.Onnx), overwrite: true);
        await container.GetBlobClient("v1/manifest.json").UploadAsync(BinaryData.FromString(broken.Manifest.ToJson()), overwrite: true);

        // Act
        ModelNotServableException ex = await Assert.ThrowsAsync<ModelNotServableException>(() => registry.RollbackAsync("v1", "v2 misbehaves"));

        // Assert
        Assert.Contains("ONNX Runtime cannot load", ex.Message, StringComparison.Ordinal);
        Assert.Equal(v2, await registry.GetCurrentAsync());
    }

    [Fact]
    public async Task RollbackAsync_VersionOnnxTampered_ThrowsNotServableAndKeepsCurrent()
    {
        // Arrange
        BlobModelRegistry registry = CreateRegistry(out BlobContainerClient container);
        CurrentModelPointer v1 = await registry.PublishAsync(TestModelPackages.Create("v1"), null, null);
        CurrentModelPointer v2 = await registry.PublishAsync(TestModelPackages.Create("v2", scale: 5f), null, v1.ETag);
        await container.GetBlobClient("v1/model.onnx").UploadAsync(new BinaryData(NotOnnx), overwrite: true);

        // Act
        ModelNotServableException ex = await Assert.ThrowsAsync<ModelNotServableException>(() => registry.RollbackAsync("v1", "v2 misbehaves"));

        // Assert
        Assert.IsType<InvalidModelPackageException>(ex.InnerException);
        Assert.Contains("SHA-256", ex.Message, StringComparison.Ordinal);
        Assert.Equal(v2, await registry.GetCurrentAsync());
    }

    [Theory]
    [InlineData("not json", "malformed")]
    [InlineData("{}", "'version' is missing")]
    [InlineData("""{ "version": "v1", "switchedUtc": "2026-11-01T00:00:00Z", "reason": "r" }""", "'onnxSha256' is missing")]
    public async Task GetCurrentAsync_MalformedCurrentJson_ThrowsInvalidModelPackageWithTheReason(string json, string reason)
    {
        // Arrange
        BlobModelRegistry registry = CreateRegistry(out BlobContainerClient container);
        await registry.PublishAsync(TestModelPackages.Create("v1"), null, null);
        await container.GetBlobClient("current.json").UploadAsync(BinaryData.FromString(json), overwrite: true);

        // Act
        InvalidModelPackageException ex = await Assert.ThrowsAsync<InvalidModelPackageException>(() => registry.GetCurrentAsync());

        // Assert
        Assert.Contains("current.json", ex.Message, StringComparison.Ordinal);
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PublishAsync_LosesSwitchToAnotherVersion_DeletesOnlyTheFolderItUploaded()
    {
        // Arrange: right after the loser writes v2/manifest.json, a rival publishes v3 over the same current.json.
        StorageOptions options = azurite.NewStorageOptions();
        BlobModelRegistry rival = CreateRegistry(options);
        CurrentModelPointer v1 = await rival.PublishAsync(TestModelPackages.Create("v1"), null, null);
        BlobModelRegistry loser = CreateRegistry(options, new RaceAfterManifest("v2/manifest.json",
            () => rival.PublishAsync(TestModelPackages.Create("v3", scale: 3f), null, v1.ETag)));

        // Act
        await Assert.ThrowsAsync<ModelRegistryConflictException>(
            () => loser.PublishAsync(TestModelPackages.Create("v2", scale: 5f), null, v1.ETag));

        // Assert
        Assert.Equal("v3", (await rival.GetCurrentAsync())!.Version);
        Assert.Equal(["current.json", "v1/manifest.json", "v1/model.onnx", "v3/manifest.json", "v3/model.onnx"], await BlobNamesAsync(options));
    }

    [Fact]
    public async Task PublishAsync_LosesSwitchToSameVersionItUploaded_KeepsTheNowCurrentFolder()
    {
        // Arrange: the rival publishes the same model v2, finds the loser's manifest, and wins the switch with it.
        StorageOptions options = azurite.NewStorageOptions();
        BlobModelRegistry rival = CreateRegistry(options);
        CurrentModelPointer v1 = await rival.PublishAsync(TestModelPackages.Create("v1"), null, null);
        BlobModelRegistry loser = CreateRegistry(options, new RaceAfterManifest("v2/manifest.json",
            () => rival.PublishAsync(TestModelPackages.Create("v2", scale: 5f), null, v1.ETag)));

        // Act
        await Assert.ThrowsAsync<ModelRegistryConflictException>(
            () => loser.PublishAsync(TestModelPackages.Create("v2", scale: 5f), null, v1.ETag));

        // Assert
        Assert.Equal("v2", (await rival.GetCurrentAsync())!.Version);
        Assert.Equal("v2", (await rival.LoadPackageAsync("v2")).Manifest.Version);
    }

    [Fact]
    public async Task PublishAsync_SameModelRivalSwitchesDuringTheLosersCleanup_KeepsTheFolderItNowServes()
    {
        // Arrange: the loser's v2 loses to v3; a same-model rival that read current.json (v3) and found the loser's
        // v2 manifest switches to v2 right after the loser deleted that manifest, i.e. between its check and its deletes.
        StorageOptions options = azurite.NewStorageOptions();
        BlobModelRegistry rival = CreateRegistry(options);
        CurrentModelPointer v1 = await rival.PublishAsync(TestModelPackages.Create("v1"), null, null);
        ModelPackage v2 = TestModelPackages.Create("v2", scale: 5f);
        CurrentModelPointer? seen = null;
        BlobModelRegistry loser = CreateRegistry(options, new RaceAfter(
            RaceAfter.Step("PUT", "v2/manifest.json", async () =>
            {
                await rival.PublishAsync(TestModelPackages.Create("v3", scale: 3f), null, v1.ETag);
                seen = await rival.GetCurrentAsync();
            }),
            RaceAfter.Step("DELETE", "v2/manifest.json", () => rival.SwitchAsync("v2", v2.Manifest.OnnxSha256, "published", seen, CancellationToken.None))));

        // Act
        await Assert.ThrowsAsync<ModelRegistryConflictException>(() => loser.PublishAsync(v2, null, v1.ETag));

        // Assert: current names v2 and v2 is whole again (manifest restored, nothing else deleted).
        Assert.Equal("v2", (await rival.GetCurrentAsync())!.Version);
        Assert.Equal(v2.Manifest.OnnxSha256, (await rival.LoadPackageAsync("v2")).Manifest.OnnxSha256);
    }

    [Fact]
    public async Task PublishAsync_SameModelRivalSwitchesAfterTheLosersFence_RivalGetsConflictAndFolderIsDeleted()
    {
        // Arrange: as above, but the rival's switch (prepared from the current.json it read before) comes after the
        // loser fenced current.json: it must fail rather than point at a folder being deleted.
        StorageOptions options = azurite.NewStorageOptions();
        BlobModelRegistry rival = CreateRegistry(options);
        CurrentModelPointer v1 = await rival.PublishAsync(TestModelPackages.Create("v1"), null, null);
        ModelPackage v2 = TestModelPackages.Create("v2", scale: 5f);
        CurrentModelPointer? seen = null;
        Exception? rivalError = null;
        BlobModelRegistry loser = CreateRegistry(options, new RaceAfter(
            RaceAfter.Step("PUT", "v2/manifest.json", async () =>
            {
                await rival.PublishAsync(TestModelPackages.Create("v3", scale: 3f), null, v1.ETag);
                seen = await rival.GetCurrentAsync();
            }),
            RaceAfter.Step("PUT", "current.json", async () =>
            {
                rivalError = await Record.ExceptionAsync(
                    () => rival.SwitchAsync("v2", v2.Manifest.OnnxSha256, "published", seen, CancellationToken.None));
            })));

        // Act
        await Assert.ThrowsAsync<ModelRegistryConflictException>(() => loser.PublishAsync(v2, null, v1.ETag));

        // Assert
        Assert.IsType<ModelRegistryConflictException>(rivalError);
        Assert.Equal("v3", (await rival.GetCurrentAsync())!.Version);
        Assert.Equal(["current.json", "v1/manifest.json", "v1/model.onnx", "v3/manifest.json", "v3/model.onnx"], await BlobNamesAsync(options));
    }

    private async Task<string[]> BlobNamesAsync(StorageOptions options) =>
        await azurite.CreateBlobServiceClient().GetBlobContainerClient(options.ModelsContainer).GetBlobsAsync()
            .Select(b => b.Name).OrderBy(n => n, StringComparer.Ordinal).ToArrayAsync();

    private BlobModelRegistry CreateRegistry(out BlobContainerClient container)
    {
        StorageOptions options = azurite.NewStorageOptions();
        container = azurite.CreateBlobServiceClient().GetBlobContainerClient(options.ModelsContainer);
        return CreateRegistry(options);
    }

    private BlobModelRegistry CreateRegistry(StorageOptions options, HttpPipelinePolicy? policy = null)
    {
        BlobClientOptions clientOptions = new();
        if (policy is not null)
        {
            clientOptions.AddPolicy(policy, HttpPipelinePosition.PerCall);
        }

        return new BlobModelRegistry(new BlobServiceClient(azurite.ConnectionString, clientOptions), Options.Create(options),
            TimeProvider.System, NullLogger<BlobModelRegistry>.Instance);
    }

    /// <summary>Runs a rival once, right after the PUT of <paramref name="blobSuffix"/> succeeds: a deterministic lost race.</summary>
    private sealed class RaceAfterManifest(string blobSuffix, Func<Task> rival) : HttpPipelinePolicy
    {
        private int _fired;

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) => ProcessNext(message, pipeline);

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            await ProcessNextAsync(message, pipeline);
            if (message.Request.Method == RequestMethod.Put
                && message.Request.Uri.Path.EndsWith(blobSuffix, StringComparison.Ordinal)
                && message.Response.Status == 201
                && Interlocked.Exchange(ref _fired, 1) == 0)
            {
                await rival();
            }
        }
    }

    /// <summary>Runs each rival step once, right after the loser's first successful request that matches it.</summary>
    private sealed class RaceAfter(params (string Method, string PathSuffix, Func<Task> Rival)[] steps) : HttpPipelinePolicy
    {
        private readonly bool[] _fired = new bool[steps.Length];

        public static (string Method, string PathSuffix, Func<Task> Rival) Step(string method, string pathSuffix, Func<Task> rival) =>
            (method, pathSuffix, rival);

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) => ProcessNext(message, pipeline);

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            await ProcessNextAsync(message, pipeline);
            for (int i = 0; i < steps.Length; i++)
            {
                if (!_fired[i]
                    && message.Request.Method.Method == steps[i].Method
                    && message.Request.Uri.Path.EndsWith(steps[i].PathSuffix, StringComparison.Ordinal)
                    && message.Response.Status is >= 200 and < 300)
                {
                    _fired[i] = true;
                    await steps[i].Rival();
                }
            }
        }
    }
}
