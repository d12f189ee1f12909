using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using ServerlessCovid.Functions.Observability;
using ServerlessCovid.Functions.Tests.Infrastructure;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Functions.Tests.Observability;

/// <summary>
/// The app's own OpenTelemetry registration (<see cref="FunctionsTelemetry.AddServerlessCovidTelemetry"/>, exporter
/// None) plus in-memory exporters: what the worker would export, captured in the test.
/// </summary>
internal sealed class TelemetryCapture
{
    public List<MetricSnapshot> Metrics { get; } = [];

    public List<Activity> Spans { get; } = [];

    public FunctionsTestApp CreateApp(AzuriteFixture azurite) => FunctionsTestApp.Create(
        azurite,
        new Dictionary<string, string?> { [FunctionsTelemetry.ExporterSetting] = nameof(TelemetryExporter.None) },
        (services, configuration) => services.AddServerlessCovidTelemetry(configuration)
            .WithMetrics(metrics => metrics.AddInMemoryExporter(Metrics))
            .WithTracing(tracing => tracing.AddInMemoryExporter(Spans)));

    /// <summary>Exports everything recorded so far (the providers are started by resolving them).</summary>
    public static void Flush(FunctionsTestApp app)
    {
        Assert.True(app.Provider.GetRequiredService<MeterProvider>().ForceFlush());
        Assert.True(app.Provider.GetRequiredService<TracerProvider>().ForceFlush());
    }

    /// <summary>Starts the providers before anything is recorded: they only see instruments published after.</summary>
    public static void Start(FunctionsTestApp app)
    {
        _ = app.Provider.GetRequiredService<MeterProvider>();
        _ = app.Provider.GetRequiredService<TracerProvider>();
    }

    /// <summary>The latest exported points of one metric.</summary>
    public IReadOnlyList<MetricPoint> Points(string name)
    {
        MetricSnapshot? latest = Metrics.LastOrDefault(m => m.Name == name);
        return latest is null ? [] : [.. latest.MetricPoints];
    }

    public static Dictionary<string, object?> Tags(MetricPoint point)
    {
        Dictionary<string, object?> tags = [];
        foreach (KeyValuePair<string, object?> tag in point.Tags)
        {
            tags[tag.Key] = tag.Value;
        }

        return tags;
    }
}
