using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Core.Tests.Storage;
using ServerlessCovid.Core.Triage;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Core.Tests.Triage;

[Collection(TestCollections.Azurite)]
public sealed class ModelRefreshServiceTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task StartAsync_ModelPublished_ActivatesItBeforeAnyRequest()
    {
        // Arrange
        StorageOptions options = azurite.NewStorageOptions();
        BlobModelRegistry registry = new(azurite.CreateBlobServiceClient(), Options.Create(options), TimeProvider.System,
            NullLogger<BlobModelRegistry>.Instance);
        await registry.PublishAsync(TestModelPackages.Create("v1"), null, null);
        TaskCompletionSource<string> activated = new(TaskCreationOptions.RunContinuationsAsynchronously);
        IXrayClassifier classifier = Substitute.For<IXrayClassifier>();
        classifier.When(c => c.Activate(Arg.Any<ModelPackage>())).Do(call => activated.TrySetResult(call.Arg<ModelPackage>().Manifest.Version));
        IOptions<TriageOptions> triage = Options.Create(new TriageOptions { ModelRefreshSeconds = 3600 });
        using CurrentModelProvider provider = new(registry, classifier, triage, TimeProvider.System, NullLogger<CurrentModelProvider>.Instance);
        using ModelRefreshService service = new(provider, triage, TimeProvider.System, NullLogger<ModelRefreshService>.Instance);

        // Act
        await service.StartAsync(CancellationToken.None);
        string version = await activated.Task.WaitAsync(TimeSpan.FromMinutes(1));
        await service.StopAsync(CancellationToken.None);

        // Assert
        Assert.Equal("v1", version);
    }

    [Fact]
    public async Task StartAsync_NothingPublished_KeepsRunningWithoutThrowing()
    {
        // Arrange
        StorageOptions options = azurite.NewStorageOptions();
        BlobModelRegistry registry = new(azurite.CreateBlobServiceClient(), Options.Create(options), TimeProvider.System,
            NullLogger<BlobModelRegistry>.Instance);
        IXrayClassifier classifier = Substitute.For<IXrayClassifier>();
        IOptions<TriageOptions> triage = Options.Create(new TriageOptions { ModelRefreshSeconds = 3600 });
        using CurrentModelProvider provider = new(registry, classifier, triage, TimeProvider.System, NullLogger<CurrentModelProvider>.Instance);
        using ModelRefreshService service = new(provider, triage, TimeProvider.System, NullLogger<ModelRefreshService>.Instance);

        // Act
        await service.StartAsync(CancellationToken.None);
        bool refreshed = await provider.RefreshAsync();
        await service.StopAsync(CancellationToken.None);

        // Assert: the first refresh found nothing and the service did not fault.
        Assert.False(refreshed);
        Assert.False(service.ExecuteTask!.IsFaulted);
        classifier.DidNotReceive().Activate(Arg.Any<ModelPackage>());
    }
}
