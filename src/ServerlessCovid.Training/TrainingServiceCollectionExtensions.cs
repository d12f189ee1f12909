using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Training.Onnx;
using ServerlessCovid.Training.Training;

namespace ServerlessCovid.Training;

public static class TrainingServiceCollectionExtensions
{
    /// <summary>Registers the trainer and the publisher; images are read by serving's <see cref="XrayPreprocessor"/>.</summary>
    public static IServiceCollection AddTraining(this IServiceCollection services)
    {
        services.TryAddSingleton(XrayPreprocessor.Default);
        services.TryAddSingleton<ITrainingImageLoader>(sp => new XrayPreprocessorImageLoader(sp.GetRequiredService<XrayPreprocessor>()));
        services.TryAddSingleton<Trainer>();
        services.TryAddSingleton<ModelPublisher>();
        return services;
    }
}
