using Azure.Identity;
using Microsoft.Extensions.Configuration;
using ServerlessCovid.Functions.Observability;

namespace ServerlessCovid.Functions.Tests.Observability;

public sealed class FunctionsTelemetryTests
{
    public static TheoryData<string?, string?, string?, TelemetryExporter> Choices => new()
    {
        { null, "InstrumentationKey=00000000-0000-0000-0000-000000000000", null, TelemetryExporter.AzureMonitor },
        { "Auto", "InstrumentationKey=00000000-0000-0000-0000-000000000000", "http://127.0.0.1:4317", TelemetryExporter.AzureMonitor },
        { "auto", null, "http://127.0.0.1:4317", TelemetryExporter.Otlp },
        { null, null, null, TelemetryExporter.Console },
        { "None", "InstrumentationKey=00000000-0000-0000-0000-000000000000", null, TelemetryExporter.None },
        { "otlp", null, null, TelemetryExporter.Otlp },
    };

    [Theory]
    [MemberData(nameof(Choices))]
    public void ChooseExporter_SettingAndEnvironment_PickTheDocumentedExporter(
        string? setting, string? connectionString, string? otlpEndpoint, TelemetryExporter expected)
    {
        // Arrange
        IConfiguration configuration = Configuration(setting, connectionString, otlpEndpoint);

        // Act
        TelemetryExporter chosen = FunctionsTelemetry.ChooseExporter(configuration);

        // Assert
        Assert.Equal(expected, chosen);
    }

    [Theory]
    [InlineData("Prometheus")]
    [InlineData("7")]
    public void ChooseExporter_UnknownValue_FailsAtStartUpNamingTheChoices(string setting)
    {
        // Arrange
        IConfiguration configuration = Configuration(setting, null, null);

        // Act
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => FunctionsTelemetry.ChooseExporter(configuration));

        // Assert
        Assert.Contains("Telemetry:Exporter", error.Message, StringComparison.Ordinal);
        Assert.Contains("AzureMonitor", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EntraCredential_TemplateAuthenticationString_IsTheUserAssignedManagedIdentity()
    {
        // Act
        var credential = FunctionsTelemetry.EntraCredential("ClientId=11111111-2222-3333-4444-555555555555;Authorization=AAD");

        // Assert: the component has local auth off, so ingestion must be signed by the app's identity.
        Assert.IsType<ManagedIdentityCredential>(credential);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Authorization=None")]
    public void EntraCredential_NoEntraAuthentication_IsNull(string? authentication)
    {
        // Act
        var credential = FunctionsTelemetry.EntraCredential(authentication);

        // Assert
        Assert.Null(credential);
    }

    private static IConfiguration Configuration(string? setting, string? connectionString, string? otlpEndpoint) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [FunctionsTelemetry.ExporterSetting] = setting,
            [FunctionsTelemetry.ConnectionStringSetting] = connectionString,
            [FunctionsTelemetry.OtlpEndpointSetting] = otlpEndpoint,
        }).Build();
}
