using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServerlessCovid.Core.Explainability;
using ServerlessCovid.Core.Observability;
using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Core.Triage;

/// <summary>
/// Registers triage (scoring, results, model hot swap). Needs <c>AddServerlessCovidCore()</c> for the storage
/// clients, an <see cref="Inference.IXrayClassifier"/> (<c>AddXrayInference()</c>) and the labelled-image store
/// (<c>AddDatasets()</c>).
/// </summary>
public static class TriageServiceCollectionExtensions
{
    public static IServiceCollection AddTriage(this IServiceCollection services)
    {
        services.AddOptions<TriageOptions>().BindConfiguration(TriageOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddTriageStorage();
        services.AddTriageMetrics();
        services.TryAddSingleton<CurrentModelProvider>();
        services.TryAddSingleton<HeatMapStore>();
        services.TryAddSingleton<TriageService>();
        services.TryAddSingleton<BlobFailureRecorder>();
        services.TryAddSingleton<ResultLabellingService>();
        services.TryAddSingleton<ResultReconciler>();
        services.AddHostedService<ModelRefreshService>();
        return services;
    }
}
