using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using ServerlessCovid.Core.Observability;

namespace ServerlessCovid.Functions.Observability;

/// <summary>
/// OpenTelemetry in the Functions worker: the worker's own invocation spans (<c>UseFunctionsWorkerDefaults</c>), the
/// per-image spans of <see cref="TelemetryNames.TriageActivitySource"/> and the <see cref="TelemetryNames.Meter"/>
/// metrics, sent where <see cref="TelemetryExporter"/> says. The exporter is chosen from configuration at start-up,
/// before the service provider exists, because the OpenTelemetry builder registers exporters as services.
/// </summary>
public static class FunctionsTelemetry
{
    public const string ExporterSetting = "Telemetry:Exporter";
    public const string ServiceName = "serverlesscovid-functions";
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    public const string AuthenticationStringSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static IOpenTelemetryBuilder AddServerlessCovidTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        IOpenTelemetryBuilder builder = services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .ConfigureResource(resource => resource.AddService(ServiceName))
            .WithTracing(tracing => tracing.AddSource(TelemetryNames.TriageActivitySource))
            .WithMetrics(metrics => metrics.AddMeter(TelemetryNames.Meter));

        switch (ChooseExporter(configuration))
        {
            case TelemetryExporter.AzureMonitor:
                string connection = configuration[ConnectionStringSetting] is { Length: > 0 } value ? value
                    : throw new InvalidOperationException($"{ExporterSetting} is AzureMonitor but {ConnectionStringSetting} is not set.");
                TokenCredential? credential = EntraCredential(configuration[AuthenticationStringSetting]);
                builder.UseAzureMonitorExporter(options =>
                {
                    options.ConnectionString = connection;
                    options.Credential = credential;
                });
                break;
            case TelemetryExporter.Otlp:
                builder.UseOtlpExporter();
                break;
            case TelemetryExporter.Console:
                builder.WithTracing(tracing => tracing.AddConsoleExporter()).WithMetrics(metrics => metrics.AddConsoleExporter());
                break;
            default:
                break;
        }

        return builder;
    }

    /// <summary>The exporter <see cref="ExporterSetting"/> names; <see cref="TelemetryExporter.Auto"/> resolved from the environment.</summary>
    public static TelemetryExporter ChooseExporter(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        string? setting = configuration[ExporterSetting];
        TelemetryExporter chosen = TelemetryExporter.Auto;
        if (!string.IsNullOrWhiteSpace(setting) && (!Enum.TryParse(setting, ignoreCase: true, out chosen) || !Enum.IsDefined(chosen)))
        {
            throw new InvalidOperationException(
                $"{ExporterSetting} is '{setting}'; use one of {string.Join(", ", Enum.GetNames<TelemetryExporter>())}.");
        }

        return chosen switch
        {
            TelemetryExporter.Auto when !string.IsNullOrEmpty(configuration[ConnectionStringSetting]) => TelemetryExporter.AzureMonitor,
            TelemetryExporter.Auto when !string.IsNullOrEmpty(configuration[OtlpEndpointSetting]) => TelemetryExporter.Otlp,
            TelemetryExporter.Auto => TelemetryExporter.Console,
            _ => chosen,
        };
    }

    /// <summary>
    /// The Application Insights component has local (key) authentication off, so ingestion must be signed: the
    /// authentication string the template sets (<c>ClientId=...;Authorization=AAD</c>) names the user-assigned
    /// identity to sign with. Null (unsigned) when the string is absent.
    /// </summary>
    public static TokenCredential? EntraCredential(string? authenticationString)
    {
        if (string.IsNullOrWhiteSpace(authenticationString))
        {
            return null;
        }

        Dictionary<string, string> parts = authenticationString
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2, StringSplitOptions.TrimEntries))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.OrdinalIgnoreCase);
        if (!parts.TryGetValue("Authorization", out string? authorization) || !authorization.Equals("AAD", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return parts.TryGetValue("ClientId", out string? clientId) && clientId.Length > 0
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
    }
}
