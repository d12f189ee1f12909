using Azure.Storage.Blobs.Models;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Retraining.Hosting;
using ServerlessCovid.Retraining.Orchestration;
using ServerlessCovid.Retraining.Runs;
using ServerlessCovid.Retraining.Tests.Support;
using ServerlessCovid.Retraining.Training;
using ServerlessCovid.Testing.Storage;
using Xunit.Abstractions;

namespace ServerlessCovid.Retraining.Tests.Orchestration;

/// <summary>
/// The orchestration end to end on Durable Task's in-process backend, every activity real: blobs and tables in
/// Azurite, TorchSharp training of the tiny NASNet, ONNX export with parity, ONNX Runtime evaluation and reports.
/// </summary>
[Collection(TestCollections.Azurite)]
public sealed class RetrainingOrchestrationTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    [Fact]
    public async Task Run_NoChampionYet_PublishesChallengerWithWeightsReportAndRunRecord()
    {
        // Setup
        const int perClass = RetrainingTestEnvironment.PublishablePerClass;
        await using RetrainingTestEnvironment env = new(azurite);
        await env.UploadLabelledAsync(covid: perClass, normal: perClass);
        RetrainingHost host = await env.StartHostAsync();

        // Trigger
        InProcessRetrainingRun run = await RetrainingTestEnvironment.RunAsync(host, RetrainingTestEnvironment.TinySettings());

        // Verify
        Assert.Equal(OrchestrationRuntimeStatus.Completed, run.RuntimeStatus);
        Assert.NotNull(run.Outcome);
        Assert.Equal(RetrainingStatus.Published, run.Outcome.Status);
        CurrentModelPointer? current = await host.Services.GetRequiredService<IModelRegistry>().GetCurrentAsync();
        Assert.NotNull(current);
        Assert.Equal(run.Outcome.PublishedVersion, current.Version);
        string[] published = await ListAsync(env, env.Storage.ModelsContainer, $"{current.Version}/");
        Assert.Contains($"{current.Version}/model.onnx", published);
        Assert.Contains($"{current.Version}/manifest.json", published);
        Assert.Contains($"{current.Version}/weights.pt", published);
        Assert.Contains($"{current.Version}/report.html", published);
        Assert.Contains($"{current.Version}/metrics.json", published);
        Assert.Contains(published, name => name.EndsWith(".png", StringComparison.Ordinal));
        Assert.Contains(published, name => name.Contains("dataset/manifest.json", StringComparison.Ordinal));

        RetrainingRunRecord record = Assert.IsType<RetrainingRunRecord>(run.Record);
        Assert.Equal(RetrainingStatus.Published, record.Status);
        Assert.Equal(2 * perClass, record.DatasetImages);
        Assert.Equal(2 * perClass, record.TrainingImages + record.ValidationImages);
        Assert.Equal("random: no champion", record.InitialWeights);
        Assert.Contains("No champion", record.Reason, StringComparison.Ordinal);
        Assert.Equal(2, record.EpochsCompleted);
        Assert.Equal(2, record.Chunks.Count);
        Assert.NotNull(record.Challenger);
        Assert.True(record.Challenger.PositiveClassAucLowerBound > 0.5, $"AUC lower bound {record.Challenger.PositiveClassAucLowerBound}");
        Assert.All(record.Challenger.SamplesPerClass.Values, n => Assert.True(n >= 20, $"{n} validation images"));
        Assert.Null(record.Champion);
        Assert.NotNull(record.CompletedUtc);
        Assert.Contains(RetrainingStages.Train, record.StageSeconds.Keys);
        Assert.Contains(RetrainingStages.Publish, record.StageSeconds.Keys);
        output.WriteLine($"Tiny run wall time {run.Wall.TotalSeconds:F1} s, challenger AUC {record.Challenger.PositiveClassAuc:F3}; stages: "
            + string.Join(", ", record.StageSeconds.Select(s => $"{s.Key} {s.Value:F1} s")));
    }

    [Fact]
    public async Task Run_TooFewLabelledImages_StopsWithReasonAndPublishesNothing()
    {
        // Setup
        await using RetrainingTestEnvironment env = new(azurite);
        await env.UploadLabelledAsync(covid: 3, normal: 8);
        RetrainingHost host = await env.StartHostAsync();

        // Trigger
        InProcessRetrainingRun run = await RetrainingTestEnvironment.RunAsync(host, RetrainingTestEnvironment.TinySettings());

        // Verify
        Assert.NotNull(run.Outcome);
        Assert.Equal(RetrainingStatus.Stopped, run.Outcome.Status);
        Assert.Contains("'covid' has 3", run.Outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("at least 6 per class", run.Outcome.Reason, StringComparison.Ordinal);
        Assert.Null(await host.Services.GetRequiredService<IModelRegistry>().GetCurrentAsync());
        RetrainingRunRecord record = Assert.IsType<RetrainingRunRecord>(run.Record);
        Assert.Equal(RetrainingStatus.Stopped, record.Status);
        Assert.Equal(run.Outcome.Reason, record.Reason);
        Assert.Equal(11, record.DatasetImages);
        Assert.Equal(0, record.EpochsCompleted);
    }

    [Fact]
    public async Task Run_SecondRunAfterPublishedModel_WarmStartsFromItAndRejectsAnUnimprovedChallenger()
    {
        // Setup: a champion trained properly.
        await using RetrainingTestEnvironment env = new(azurite);
        await env.UploadLabelledAsync(covid: RetrainingTestEnvironment.PublishablePerClass, normal: RetrainingTestEnvironment.PublishablePerClass);
        RetrainingHost host = await env.StartHostAsync();
        IModelRegistry registry = host.Services.GetRequiredService<IModelRegistry>();
        InProcessRetrainingRun first = await RetrainingTestEnvironment.RunAsync(host, RetrainingTestEnvironment.TinySettings(epochs: 3, epochsPerChunk: 3));
        Assert.Equal(RetrainingStatus.Published, first.Outcome?.Status);
        CurrentModelPointer champion = (await registry.GetCurrentAsync())!;

        // Trigger: one epoch at a learning rate too small to move the weights, on the same images and split.
        InProcessRetrainingRun second = await RetrainingTestEnvironment.RunAsync(
            host, RetrainingTestEnvironment.TinySettings(epochs: 1) with { LearningRate = 1e-7 });

        // Verify: it started from the champion's weights, so it is the champion again: the same validation loss on the
        // same split (both AUCs are 1 on these easy images, so only the loss tells a warm start from a random one).
        Assert.Equal("random: no champion", first.Record?.InitialWeights);
        Assert.Equal($"champion {champion.Version}", second.Record?.InitialWeights);
        Assert.NotNull(second.Outcome);
        Assert.Equal(RetrainingStatus.Rejected, second.Outcome.Status);
        Assert.Null(second.Outcome.PublishedVersion);
        Assert.NotNull(second.Outcome.Champion);
        Assert.NotNull(second.Outcome.Challenger);
        Assert.Equal(champion.Version, second.Outcome.Champion.Version);
        double championLoss = first.Record!.Chunks[^1].History[^1].ValidationLoss;
        double challengerLoss = Assert.Single(Assert.Single(second.Record!.Chunks).History).ValidationLoss;
        output.WriteLine($"validation loss: champion {championLoss:F6}, warm-started challenger {challengerLoss:F6}; AUC {second.Outcome.Champion.PositiveClassAuc:F4} vs {second.Outcome.Challenger.PositiveClassAuc:F4}");
        Assert.Equal(championLoss, challengerLoss, 3);
        Assert.Contains("not better", second.Outcome.Reason, StringComparison.Ordinal);
        CurrentModelPointer after = (await registry.GetCurrentAsync())!;
        Assert.Equal(champion.Version, after.Version);
        Assert.Equal(champion.ETag, after.ETag);

        // The rejected challenger keeps its package and report, and the champion's report on the same split.
        string[] kept = await ListAsync(env, env.Storage.RetrainingContainer, $"runs/{second.Outcome.RunId}/");
        Assert.Contains($"runs/{second.Outcome.RunId}/candidate/model.onnx", kept);
        Assert.Contains($"runs/{second.Outcome.RunId}/report/report.html", kept);
        Assert.Contains($"runs/{second.Outcome.RunId}/champion-report/report.html", kept);
        Assert.Equal(RetrainingStatus.Rejected, second.Record?.Status);
        Assert.DoesNotContain(second.Outcome.CandidateVersion, (await registry.ListAsync()).Select(m => m.Version));
    }

    [Fact]
    public async Task Run_TrainingChunkCrashesOnceAfterACheckpoint_RetriesAndResumesFromIt()
    {
        // Setup: the first attempt of the (single) chunk dies right after epoch 1's checkpoint reached blob storage.
        await using RetrainingTestEnvironment env = new(azurite);
        await env.UploadLabelledAsync(covid: RetrainingTestEnvironment.PublishablePerClass, normal: RetrainingTestEnvironment.PublishablePerClass);
        CrashOnceTrainer? crashing = null;
        RetrainingHost host = await env.StartHostAsync(services =>
        {
            services.AddSingleton<NasNetChallengerTrainer>();
            services.AddSingleton<IChallengerTrainer>(provider =>
                crashing = new CrashOnceTrainer(provider.GetRequiredService<NasNetChallengerTrainer>(), crashAfterEpoch: 1));
        });

        // Trigger
        InProcessRetrainingRun run = await RetrainingTestEnvironment.RunAsync(host, RetrainingTestEnvironment.TinySettings(epochs: 2, epochsPerChunk: 2));

        // Verify
        Assert.Equal(RetrainingStatus.Published, run.Outcome?.Status);
        Assert.NotNull(crashing);
        Assert.Equal(2, crashing.Attempts);
        Assert.Equal([1, 2], crashing.EpochsTrained);
        TrainChunkResult chunk = Assert.Single(run.Record!.Chunks);
        Assert.Equal(1, chunk.ResumedAfterEpoch);
        Assert.Equal(2, chunk.CompletedEpoch);
    }

    [Fact]
    public async Task Run_ActivityFailsForGood_FailsWithRecordWithoutRetryAndCurrentUntouched()
    {
        // Setup: a champion is being served; this run's export will fail parity.
        await using RetrainingTestEnvironment env = new(azurite);
        await env.UploadLabelledAsync(covid: RetrainingTestEnvironment.PublishablePerClass, normal: RetrainingTestEnvironment.PublishablePerClass);
        FailingExportTrainer? failing = null;
        RetrainingHost host = await env.StartHostAsync(services =>
        {
            services.AddSingleton<NasNetChallengerTrainer>();
            services.AddSingleton<IChallengerTrainer>(provider =>
                failing = new FailingExportTrainer(provider.GetRequiredService<NasNetChallengerTrainer>()));
        });
        IModelRegistry registry = host.Services.GetRequiredService<IModelRegistry>();
        CurrentModelPointer champion = await registry.PublishAsync(RetrainingTestEnvironment.ChampionPackage("champion-1"), null, null);

        // Trigger
        InProcessRetrainingRun run = await RetrainingTestEnvironment.RunAsync(host, RetrainingTestEnvironment.TinySettings(epochs: 1));

        // Verify
        Assert.Equal(OrchestrationRuntimeStatus.Failed, run.RuntimeStatus);
        Assert.Null(run.Outcome);
        Assert.Equal(1, failing!.ExportAttempts);
        RetrainingRunRecord record = Assert.IsType<RetrainingRunRecord>(run.Record);
        Assert.Equal(RetrainingStatus.Failed, record.Status);
        Assert.Contains("ExportChallengerActivity failed", record.Reason, StringComparison.Ordinal);
        Assert.Contains("parity", record.Reason, StringComparison.Ordinal);
        CurrentModelPointer after = (await registry.GetCurrentAsync())!;
        Assert.Equal(champion.Version, after.Version);
        Assert.Equal(champion.ETag, after.ETag);
    }

    [Fact]
    public async Task StartRun_WhileARunIsInProgress_SecondStartIsSkipped()
    {
        // Setup: the snapshot activity waits at a gate, so the first run is reliably still running.
        await using RetrainingTestEnvironment env = new(azurite);
        GatedLabelledImageSource? gated = null;
        RetrainingHost host = await env.StartHostAsync(services =>
        {
            services.AddSingleton<Datasets.LabelledStoreImageSource>();
            services.AddSingleton<Datasets.ILabelledImageSource>(provider =>
                gated = new GatedLabelledImageSource(provider.GetRequiredService<Datasets.LabelledStoreImageSource>()));
        });
        RetrainingStartResult first = await host.StartRunAsync("test", RetrainingTestEnvironment.TinySettings());
        using CancellationTokenSource timeout = new(TimeSpan.FromMinutes(2));
        while (gated is null || !gated.Entered.Task.IsCompleted)
        {
            await Task.Delay(50, timeout.Token);
        }

        // Trigger
        RetrainingStartResult second = await host.StartRunAsync("test", RetrainingTestEnvironment.TinySettings());

        // Verify
        Assert.True(first.Started);
        Assert.False(second.Started);
        Assert.Equal(RetrainingOrchestrator.SingletonInstanceId, second.InstanceId);
        Assert.Equal(OrchestrationRuntimeStatus.Running, second.ExistingStatus);

        // Cleanup: let the first run finish (an empty store stops it at the snapshot).
        gated.Release.SetResult();
        InProcessRetrainingRun finished = await host.WaitAsync(first.InstanceId, cancellationToken: timeout.Token);
        Assert.Equal(RetrainingStatus.Stopped, finished.Outcome?.Status);
    }

    private static async Task<string[]> ListAsync(RetrainingTestEnvironment env, string container, string prefix)
    {
        List<string> names = [];
        await foreach (BlobItem blob in env.Container(container).GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, CancellationToken.None))
        {
            names.Add(blob.Name);
        }

        return [.. names];
    }
}
