using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.DependencyInjection;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Retraining.Evaluation;
using ServerlessCovid.Retraining.Hosting;
using ServerlessCovid.Retraining.Orchestration;
using ServerlessCovid.Retraining.Runs;
using ServerlessCovid.Retraining.Tests.Support;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Retraining.Tests.Orchestration;

/// <summary>The publish floor inside the real orchestration: a model below it never reaches <c>current.json</c>.</summary>
[Collection(TestCollections.Azurite)]
public sealed class PublishFloorOrchestrationTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Run_ChallengerWithZeroSpecificity_RejectedByFloorAndCurrentUntouched()
    {
        // Setup: a champion is served; the challenger's operating point is the incident's (specificity 0).
        await using RetrainingTestEnvironment env = new(azurite);
        await env.UploadLabelledAsync(covid: RetrainingTestEnvironment.PublishablePerClass, normal: RetrainingTestEnvironment.PublishablePerClass);
        RetrainingHost host = await env.StartHostAsync(services =>
        {
            services.AddSingleton<OnnxModelEvaluator>();
            services.AddSingleton<IModelEvaluator>(provider => new IncidentEvaluator(provider.GetRequiredService<OnnxModelEvaluator>()));
        });
        IModelRegistry registry = host.Services.GetRequiredService<IModelRegistry>();
        CurrentModelPointer champion = await registry.PublishAsync(RetrainingTestEnvironment.ChampionPackage("champion-1"), null, null);

        // Trigger
        InProcessRetrainingRun run = await RetrainingTestEnvironment.RunAsync(host, RetrainingTestEnvironment.TinySettings(epochs: 1));

        // Verify
        Assert.NotNull(run.Outcome);
        Assert.Equal(RetrainingStatus.Rejected, run.Outcome.Status);
        Assert.Contains("floor:specificity: specificity 0.0000 at threshold 0.00015", run.Outcome.Reason, StringComparison.Ordinal);
        Assert.Null(run.Outcome.PublishedVersion);
        Assert.Equal(0.0, run.Outcome.Challenger?.SpecificityAtThreshold);
        RetrainingRunRecord record = Assert.IsType<RetrainingRunRecord>(run.Record);
        Assert.Equal(RetrainingStatus.Rejected, record.Status);
        Assert.Equal(run.Outcome.Reason, record.Reason);
        CurrentModelPointer after = (await registry.GetCurrentAsync())!;
        Assert.Equal(champion.Version, after.Version);
        Assert.Equal(champion.ETag, after.ETag);
        Assert.DoesNotContain(run.Outcome.CandidateVersion, (await registry.ListAsync()).Select(m => m.Version));
    }

    [Fact]
    public async Task Run_SplitBelowValidationFloor_RejectedBeforeTrainingAndCurrentUntouched()
    {
        // Setup: 12 images per class leave 4 of each for validation, below the default floor of 20.
        await using RetrainingTestEnvironment env = new(azurite);
        await env.UploadLabelledAsync(covid: 12, normal: 12);
        RetrainingHost host = await env.StartHostAsync();
        IModelRegistry registry = host.Services.GetRequiredService<IModelRegistry>();
        CurrentModelPointer champion = await registry.PublishAsync(RetrainingTestEnvironment.ChampionPackage("champion-1"), null, null);

        // Trigger
        InProcessRetrainingRun run = await RetrainingTestEnvironment.RunAsync(host, RetrainingTestEnvironment.TinySettings());

        // Verify
        Assert.NotNull(run.Outcome);
        Assert.Equal(RetrainingStatus.Rejected, run.Outcome.Status);
        Assert.Contains("floor:validation_images: covid 4, normal 4 validation images; at least 20 per class", run.Outcome.Reason, StringComparison.Ordinal);
        Assert.Null(run.Outcome.Challenger);
        Assert.Equal(0, run.Record?.EpochsCompleted);
        Assert.Equal(RetrainingStatus.Rejected, run.Record?.Status);
        CurrentModelPointer after = (await registry.GetCurrentAsync())!;
        Assert.Equal(champion.ETag, after.ETag);
        await foreach (BlobItem blob in env.Container(env.Storage.RetrainingContainer).GetBlobsAsync(
            BlobTraits.None, BlobStates.None, $"runs/{run.Outcome.RunId}/", CancellationToken.None))
        {
            Assert.Fail($"A run rejected before training left {blob.Name}.");
        }
    }
}
