using Microsoft.Extensions.DependencyInjection;
using ServerlessCovid.Core.Datasets;
using ServerlessCovid.Core.DependencyInjection;
using ServerlessCovid.Core.Evaluation;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Observability;
using ServerlessCovid.Core.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServerlessCovid.Retraining.Activities;
using ServerlessCovid.Retraining.Datasets;
using ServerlessCovid.Retraining.Hosting;
using ServerlessCovid.Retraining.Evaluation;
using ServerlessCovid.Retraining.Runs;
using ServerlessCovid.Retraining.Training;
using ServerlessCovid.Training;

namespace ServerlessCovid.Retraining;

/// <summary>Registers the retraining services; hosts call it after <c>AddServerlessCovidCore()</c>.</summary>
public static class RetrainingServiceCollectionExtensions
{
    public static IServiceCollection AddRetraining(this IServiceCollection services)
    {
        services.AddOptions<RetrainingOptions>().BindConfiguration(RetrainingOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);

        // The model registry (idempotent: the Functions root may have registered it already).
        services.AddTriageStorage();
        services.AddTriageMetrics();
        services.AddDatasets();
        services.TryAddSingleton<ILabelledImageSource, LabelledStoreImageSource>();
        services.TryAddSingleton<RetrainingWorkspace>();
        services.TryAddSingleton<RetrainingRunStore>();
        services.TryAddSingleton<RetrainingStarter>();
        services.AddEvaluation();
        services.AddXrayInference();
        services.AddTraining();
        services.TryAddSingleton<IChallengerTrainer, NasNetChallengerTrainer>();
        services.TryAddSingleton<IModelEvaluator, OnnxModelEvaluator>();

        // Activities are resolved by the Functions wrappers (and by the in-process host) from the container.
        services.TryAddTransient<SnapshotDatasetActivity>();
        services.TryAddTransient<SplitDatasetActivity>();
        services.TryAddTransient<ResolveInitialWeightsActivity>();
        services.TryAddTransient<TrainChunkActivity>();
        services.TryAddTransient<ExportChallengerActivity>();
        services.TryAddTransient<EvaluateChallengerActivity>();
        services.TryAddTransient<ScoreChampionActivity>();
        services.TryAddTransient<PublishChallengerActivity>();
        services.TryAddTransient<RecordRunActivity>();
        return services;
    }

    /// <summary>
    /// Everything a retraining host needs (Core clients, model registry, trainer, evaluator, retraining), for hosts
    /// other than the Functions app, whose composition root registers the same pieces itself.
    /// </summary>
    public static IServiceCollection AddRetrainingHostServices(this IServiceCollection services)
    {
        services.AddServerlessCovidCore();
        services.AddRetraining();
        return services;
    }
}
