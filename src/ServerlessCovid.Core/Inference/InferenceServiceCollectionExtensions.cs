using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Imaging;

namespace ServerlessCovid.Core.Inference;

public static class InferenceServiceCollectionExtensions
{
    /// <summary>
    /// The preprocessor (<c>Imaging</c> limits), the session factory (<c>Inference</c> options) and the classifier as
    /// singletons: one long-lived ONNX Runtime session per model version for the whole process. Something must call
    /// <see cref="IXrayClassifier.Activate"/> (the model registry watcher, the CLI) before scoring.
    /// </summary>
    public static IServiceCollection AddXrayInference(this IServiceCollection services)
    {
        services.AddOptions<ImageInputOptions>().BindConfiguration(ImageInputOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<InferenceOptions>().BindConfiguration(InferenceOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(provider => new XrayPreprocessor(provider.GetRequiredService<IOptions<ImageInputOptions>>()));
        services.TryAddSingleton<OnnxSessionFactory>();
        services.TryAddSingleton<OnnxXrayClassifier>();
        services.TryAddSingleton<IXrayClassifier>(provider => provider.GetRequiredService<OnnxXrayClassifier>());
        return services;
    }
}
