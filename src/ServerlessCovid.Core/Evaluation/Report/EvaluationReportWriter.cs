using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Evaluation.Figures;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Evaluation.Report;

/// <summary>
/// Writes <c>report.html</c>, <c>metrics.json</c> and the figure PNGs for one evaluation, and returns the metrics so
/// callers can put the headline numbers into <see cref="ModelManifest.Evaluation"/> (<see cref="EvaluationMetrics.ToSummary"/>).
/// </summary>
public sealed partial class EvaluationReportWriter
{
    public const string HtmlFileName = "report.html";

    public const string MetricsFileName = "metrics.json";

    private readonly EvaluationOptions _options;
    private readonly ILogger<EvaluationReportWriter> _logger;
    private readonly TimeProvider _timeProvider;

    public EvaluationReportWriter(IOptions<EvaluationOptions> options, ILogger<EvaluationReportWriter> logger, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _logger = logger;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>
    /// <c>metrics.json</c>'s style: the shared camelCase style, plus "Infinity" for the +∞ first ROC threshold, which
    /// standard JSON cannot spell.
    /// </summary>
    public static JsonSerializerOptions MetricsJsonOptions { get; } = new(ManifestJson.Options)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>For callers without dependency injection (training, benchmarks).</summary>
    public static EvaluationReportWriter Create(EvaluationOptions? options = null) =>
        new(Options.Create(options ?? new EvaluationOptions()), NullLogger<EvaluationReportWriter>.Instance);

    public async Task<EvaluationMetrics> WriteAsync(EvaluationInput input, string outputDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        long started = Stopwatch.GetTimestamp();
        EvaluationMetrics metrics = EvaluationCalculator.Compute(input, _options, cancellationToken);
        IReadOnlyList<ReportFigure> figures = EvaluationFigures.RenderAll(metrics, _options.FigureWidth, _options.FigureHeight, input.Scores);

        Directory.CreateDirectory(outputDirectory);
        foreach (ReportFigure figure in figures)
        {
            await File.WriteAllBytesAsync(Path.Combine(outputDirectory, figure.FileName), figure.Png, cancellationToken).ConfigureAwait(false);
        }

        await File.WriteAllTextAsync(
            Path.Combine(outputDirectory, MetricsFileName), JsonSerializer.Serialize(metrics, MetricsJsonOptions) + "\n", cancellationToken)
            .ConfigureAwait(false);
        TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
        IReadOnlyList<MisclassifiedImage>? gallery = input.ImagePaths.Count == input.Scores.Count
            ? await MisclassifiedGallery.BuildAsync(
                input.Scores, input.ImagePaths, metrics.OperatingPoint, activationMaps: input.ActivationMaps, cancellationToken: cancellationToken)
                .ConfigureAwait(false)
            : null;
        string html = HtmlReportRenderer.Render(metrics, figures, _timeProvider.GetUtcNow(), elapsed, gallery);
        await File.WriteAllTextAsync(Path.Combine(outputDirectory, HtmlFileName), html, cancellationToken).ConfigureAwait(false);
        double totalMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        LogReportWritten(metrics.Model.Version, outputDirectory, figures.Count, totalMs);
        return metrics;
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Evaluation report for model {ModelVersion} written to {OutputDirectory}: {FigureCount} figures in {ElapsedMs:0} ms")]
    private partial void LogReportWritten(string modelVersion, string outputDirectory, int figureCount, double elapsedMs);
}
