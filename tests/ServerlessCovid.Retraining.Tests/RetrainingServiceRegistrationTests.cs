using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ServerlessCovid.Retraining.Activities;
using ServerlessCovid.Retraining.Datasets;
using ServerlessCovid.Retraining.Evaluation;
using ServerlessCovid.Retraining.Hosting;
using ServerlessCovid.Retraining.Training;

namespace ServerlessCovid.Retraining.Tests;

public sealed class RetrainingServiceRegistrationTests
{
    [Fact]
    public void AddRetrainingHostServices_ValidatedOnBuild_ResolvesEveryActivityWithRealServices()
    {
        // Arrange
        ServiceCollection services = new();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
        }).Build());
        services.AddLogging();
        services.AddRetrainingHostServices();

        // Act
        using ServiceProvider provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        // Assert
        Assert.IsType<NasNetChallengerTrainer>(provider.GetRequiredService<IChallengerTrainer>());
        Assert.IsType<OnnxModelEvaluator>(provider.GetRequiredService<IModelEvaluator>());
        Assert.IsType<LabelledStoreImageSource>(provider.GetRequiredService<ILabelledImageSource>());
        Assert.NotNull(provider.GetRequiredService<RetrainingStarter>());
        foreach (Type activity in new[]
        {
            typeof(SnapshotDatasetActivity), typeof(SplitDatasetActivity), typeof(ResolveInitialWeightsActivity), typeof(TrainChunkActivity),
            typeof(ExportChallengerActivity),
            typeof(EvaluateChallengerActivity), typeof(ScoreChampionActivity), typeof(PublishChallengerActivity), typeof(RecordRunActivity),
        })
        {
            Assert.IsType(activity, provider.GetRequiredService(activity));
        }
    }
}
