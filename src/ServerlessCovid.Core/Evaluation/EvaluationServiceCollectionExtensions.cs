using Microsoft.Extensions.DependencyInjection;
using ServerlessCovid.Core.Evaluation.Report;

namespace ServerlessCovid.Core.Evaluation;

public static class EvaluationServiceCollectionExtensions
{
    /// <summary>Registers <see cref="EvaluationReportWriter"/> and validated <see cref="EvaluationOptions"/> ("Evaluation" section).</summary>
    public static IServiceCollection AddEvaluation(this IServiceCollection services)
    {
        services.AddOptions<EvaluationOptions>().BindConfiguration(EvaluationOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<EvaluationReportWriter>();
        return services;
    }
}
