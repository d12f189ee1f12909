using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Core.Triage;
using ServerlessCovid.Functions.Triage;

namespace ServerlessCovid.Functions.Tests;

/// <summary>host.json and local.settings.sample.json agree with the code that reads them.</summary>
public sealed class ConfigurationFilesTests
{
    [Fact]
    public void LocalSettingsSample_Values_PassStartupValidationOfTheCompositionRoot()
    {
        // Arrange: Values become environment variables for the worker, where '__' means ':'.
        using JsonDocument sample = JsonDocument.Parse(File.ReadAllText(RepoFile("local.settings.sample.json")));
        Dictionary<string, string?> values = sample.RootElement.GetProperty("Values").EnumerateObject()
            .ToDictionary(p => p.Name.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value.GetString());
        ServiceCollection services = new();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        services.AddLogging();
        services.AddServerlessCovid();
        using ServiceProvider provider = services.BuildServiceProvider();

        // Act
        provider.GetRequiredService<IStartupValidator>().Validate();
        StorageOptions storage = provider.GetRequiredService<IOptions<StorageOptions>>().Value;

        // Assert: the blob trigger's %Storage:XraysContainer% and connection resolve from the same settings.
        Assert.Equal("dotnet-isolated", values["FUNCTIONS_WORKER_RUNTIME"]);
        Assert.Equal("xrays", values["Storage:XraysContainer"]);
        Assert.Equal(TriageUploadedXray.Connection, storage.Connection);
        Assert.Equal("UseDevelopmentStorage=true", values[TriageUploadedXray.Connection]);
        Assert.NotEqual(storage.XraysContainer, storage.UploadsContainer);
        Assert.Equal(30, provider.GetRequiredService<IOptions<TriageOptions>>().Value.ModelRefreshSeconds);
    }

    [Fact]
    public void LocalSettingsSample_ReconcileSettings_AreTheOptionDefaults()
    {
        // Arrange: the ReconcileXrays timer binds %Triage:ReconcileSchedule%; the host refuses to index it without it.
        using JsonDocument sample = JsonDocument.Parse(File.ReadAllText(RepoFile("local.settings.sample.json")));
        JsonElement values = sample.RootElement.GetProperty("Values");
        TriageOptions defaults = new();

        // Act
        string? schedule = values.GetProperty("Triage__ReconcileSchedule").GetString();
        string? maxBlobs = values.GetProperty("Triage__ReconcileMaxBlobsPerRun").GetString();

        // Assert
        Assert.Equal(defaults.ReconcileSchedule, schedule);
        Assert.Equal(defaults.ReconcileMaxBlobsPerRun.ToString(System.Globalization.CultureInfo.InvariantCulture), maxBlobs);
    }

    [Fact]
    public void LocalSettingsSample_BlobTriggers_PollLocallyAndLeaveEventGridOff()
    {
        // Arrange: no Event Grid reaches Azurite or func start, so only the polling trigger may run there.
        using JsonDocument sample = JsonDocument.Parse(File.ReadAllText(RepoFile("local.settings.sample.json")));
        JsonElement values = sample.RootElement.GetProperty("Values");

        // Act
        string? polling = values.GetProperty(TriageUploadedXray.DisabledSetting).GetString();
        string? events = values.GetProperty(TriageUploadedXrayEvent.DisabledSetting).GetString();

        // Assert
        Assert.Equal(("false", "true"), (polling, events));
        Assert.Equal("AzureWebJobs_TriageUploadedXrayEvent_Disabled", TriageUploadedXrayEvent.DisabledSetting);
    }

    [Fact]
    public void HostJson_TelemetryMode_IsOpenTelemetryLikeTheWorker()
    {
        // Arrange: the worker exports with OpenTelemetry; a host on Application Insights would duplicate invocations.
        using JsonDocument host = JsonDocument.Parse(File.ReadAllText(RepoFile("host.json")));

        // Act
        string? mode = host.RootElement.GetProperty("telemetryMode").GetString();

        // Assert
        Assert.Equal("OpenTelemetry", mode);
    }

    [Fact]
    public void HostJson_BlobsQueuesAndRoutes_MatchWhatTheFunctionsAssume()
    {
        // Arrange
        using JsonDocument host = JsonDocument.Parse(File.ReadAllText(RepoFile("host.json")));
        JsonElement extensions = host.RootElement.GetProperty("extensions");

        // Assert: a bounded number of blob retries before the poison queue, and the /api prefix report links use.
        Assert.Equal("2.0", host.RootElement.GetProperty("version").GetString());
        Assert.InRange(extensions.GetProperty("blobs").GetProperty("poisonBlobThreshold").GetInt32(), 1, 10);
        Assert.InRange(extensions.GetProperty("queues").GetProperty("maxDequeueCount").GetInt32(), 1, 10);
        Assert.Equal("api", extensions.GetProperty("http").GetProperty("routePrefix").GetString());
    }

    private static string RepoFile(string name)
    {
        DirectoryInfo? directory = new(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ServerlessCovid.sln")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        return Path.Combine(directory.FullName, name);
    }
}
