using Microsoft.Extensions.DependencyInjection;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Retraining.Activities;
using ServerlessCovid.Retraining.Hosting;
using ServerlessCovid.Retraining.Orchestration;
using ServerlessCovid.Retraining.Tests.Support;
using ServerlessCovid.Testing.Storage;
using ServerlessCovid.Training.Models;

namespace ServerlessCovid.Retraining.Tests.Orchestration;

/// <summary>
/// Which weights a run starts from, as recorded in its run record. Warm-starting from a published model (and the
/// proof that its weights were loaded) is in <see cref="RetrainingOrchestrationTests"/>.
/// </summary>
[Collection(TestCollections.Azurite)]
public sealed class WarmStartOrchestrationTests(AzuriteFixture azurite)
{
    [Theory]
    [InlineData(false, 2, "random: WarmStart off")]
    [InlineData(true, 3, "random: architecture differs (champion champion-1 is NASNet-A (1 @ 192, stem 8, multiplier 2, 3 classes), the preset trains NASNet-A (1 @ 192, stem 8, multiplier 2, 2 classes))")]
    [InlineData(true, 0, "random: champion has no weights (champion-1)")]
    public async Task Run_ChampionWeightsNotUsable_StartsFromRandomWithReasonRecorded(bool warmStart, int championClasses, string expected)
    {
        // Setup: the floor is lowered explicitly because these runs are about their starting weights, not about publishing.
        await using RetrainingTestEnvironment env = new(azurite);
        await env.UploadLabelledAsync(covid: 12, normal: 12);
        RetrainingHost host = await env.StartHostAsync();
        NasNetConfig? weightsOf = championClasses == 0 ? null : NasNetConfig.Tiny(championClasses);
        await host.Services.GetRequiredService<IModelRegistry>()
            .PublishAsync(RetrainingTestEnvironment.ChampionPackage("champion-1", weightsOf), null, null);
        RetrainingSettings settings = RetrainingTestEnvironment.TinySettings(epochs: 1) with { WarmStart = warmStart, MinValidationImagesPerClass = 4 };

        // Trigger
        InProcessRetrainingRun run = await RetrainingTestEnvironment.RunAsync(host, settings);

        // Verify
        Assert.NotNull(run.Outcome);
        Assert.NotEqual(RetrainingStatus.Failed, run.Outcome.Status);
        Assert.Equal(expected, run.Record?.InitialWeights);
        Assert.Equal(1, run.Record?.EpochsCompleted);
    }

    [Fact]
    public async Task ResolveInitialWeights_ChampionRolledBackAfterwards_RunKeepsThePinnedWeights()
    {
        // Arrange: two published versions with different weights; the second is current when the run starts.
        await using RetrainingTestEnvironment env = new(azurite);
        RetrainingHost host = await env.StartHostAsync();
        IModelRegistry registry = host.Services.GetRequiredService<IModelRegistry>();
        CurrentModelPointer first = await registry.PublishAsync(RetrainingTestEnvironment.ChampionPackage("champion-1", NasNetConfig.Tiny()), null, null);
        ModelPackage second = RetrainingTestEnvironment.ChampionPackage("champion-2", NasNetConfig.Tiny());
        await registry.PublishAsync(second, null, first.ETag);
        ResolveInitialWeightsActivity activity = host.Services.GetRequiredService<ResolveInitialWeightsActivity>();

        // Act
        InitialWeightsChoice choice = await activity.ExecuteAsync(new InitialWeightsInput("run-1", "tiny", WarmStart: true), CancellationToken.None);
        await registry.RollbackAsync("champion-1", "test");
        BinaryData pinned = (await env.Container(env.Storage.RetrainingContainer).GetBlobClient(choice.WeightsBlob).DownloadContentAsync()).Value.Content;

        // Assert
        Assert.Equal("champion champion-2", choice.Description);
        Assert.Equal(second.Manifest.Weights!.Sha256, choice.Sha256);
        Assert.Equal(second.Weights!.Value.ToArray(), pinned.ToArray());
        Assert.NotEqual(await registry.LoadWeightsAsync("champion-1"), pinned.ToArray());
    }
}
