using Microsoft.Extensions.DependencyInjection;
using ServerlessCovid.Core.DependencyInjection;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Core.Triage;
using ServerlessCovid.Retraining.Hosting;
using ServerlessCovid.Retraining.Orchestration;
using ServerlessCovid.Retraining.Tests.Support;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Retraining.Tests.Orchestration;

/// <summary>
/// A serving process (its own container: model provider + ONNX classifier, as the Functions app wires them) keeps
/// running while the orchestration publishes; the next refresh serves the new model, no restart.
/// </summary>
[Collection(TestCollections.Azurite)]
public sealed class InferencePickupTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Run_PublishesWhileServing_ServingPicksUpNewModelWithoutRestart()
    {
        // Setup: serving already runs a champion (a small hand-built ONNX model that cannot tell the classes apart).
        await using RetrainingTestEnvironment env = new(azurite);
        await env.UploadLabelledAsync(covid: RetrainingTestEnvironment.PublishablePerClass, normal: RetrainingTestEnvironment.PublishablePerClass);
        RetrainingHost retraining = await env.StartHostAsync();
        await retraining.Services.GetRequiredService<IModelRegistry>()
            .PublishAsync(RetrainingTestEnvironment.ChampionPackage("seed-model"), null, null);

        ServiceCollection services = new();
        services.AddSingleton(env.Configuration);
        services.AddLogging();
        services.AddServerlessCovidCore();
        services.AddXrayInference();
        services.AddTriage();
        await using ServiceProvider serving = services.BuildServiceProvider();
        CurrentModelProvider models = serving.GetRequiredService<CurrentModelProvider>();
        IXrayClassifier classifier = serving.GetRequiredService<IXrayClassifier>();
        byte[] xray = RetrainingTestEnvironment.SyntheticPng(covid: true, new Random(3));
        ModelManifest before = await models.GetActiveAsync();
        TriagePrediction scoredBefore = await classifier.ScoreAsync(xray);

        // Trigger
        InProcessRetrainingRun run = await RetrainingTestEnvironment.RunAsync(retraining, RetrainingTestEnvironment.TinySettings());
        bool swapped = await models.RefreshAsync();
        TriagePrediction scoredAfter = await classifier.ScoreAsync(xray);

        // Verify
        Assert.Equal("seed-model", before.Version);
        Assert.Equal("seed-model", scoredBefore.ModelVersion);
        Assert.Equal(RetrainingStatus.Published, run.Outcome?.Status);
        Assert.True(swapped);
        Assert.Equal(run.Outcome!.PublishedVersion, classifier.CurrentModel?.Version);
        Assert.Equal(run.Outcome.PublishedVersion, scoredAfter.ModelVersion);
        Assert.Equal(run.Outcome.Challenger!.OperatingThreshold, scoredAfter.Threshold);
    }
}
