namespace ServerlessCovid.Functions.Observability;

/// <summary>Where the worker's traces and metrics go (app setting <c>Telemetry__Exporter</c>).</summary>
public enum TelemetryExporter
{
    /// <summary>Azure Monitor when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set, else OTLP when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, else the console.</summary>
    Auto,
    AzureMonitor,
    Otlp,
    Console,

    /// <summary>Instruments stay in place for in-process listeners (tests), nothing is exported.</summary>
    None,
}
