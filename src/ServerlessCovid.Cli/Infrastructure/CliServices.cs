using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.DependencyInjection;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Cli.Infrastructure;

/// <summary>
/// The CLI's composition root: the same settings, option validation and DI registrations as the Functions app, so a
/// verb exercises the code that runs in Azure. Settings come from environment variables in the Functions format
/// (<c>Storage__ModelsContainer</c>, <c>Inference__ExecutionProvider</c>, ...) and from the command line.
/// </summary>
public static class CliServices
{
    /// <summary>
    /// Builds and validates (<c>ValidateOnStart</c> options are checked here) a provider with
    /// <c>AddServerlessCovidCore()</c>, every area's registrations (<see cref="CliComposition"/>) plus whatever <paramref name="configure"/> adds (e.g. <c>AddXrayInference()</c>).
    /// </summary>
    /// <param name="context">The invocation, for <c>--verbose</c> logging to stderr.</param>
    /// <param name="storageConnection">
    /// The <c>--storage</c> value; null falls back to <see cref="CommonOptions.StorageConnectionVariable"/>, then to
    /// <c>AzureWebJobsStorage</c>. Storage clients are only created when a service needs them, so verbs without
    /// storage work with none configured.
    /// </param>
    /// <param name="settings">
    /// Extra settings (e.g. <c>["Storage:ModelsContainer"] = "models-x"</c>), applied over <c>--set</c> and the environment.
    /// </param>
    /// <param name="configure">Area registrations; receives the configuration for options binding.</param>
    public static ServiceProvider Build(
        CliContext context,
        string? storageConnection,
        IReadOnlyDictionary<string, string?>? settings = null,
        Action<IServiceCollection, IConfiguration>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        Dictionary<string, string?> merged = new(context.Settings, StringComparer.OrdinalIgnoreCase);
        foreach ((string key, string? value) in settings ?? new Dictionary<string, string?>())
        {
            merged[key] = value;
        }

        IConfiguration configuration = BuildConfiguration(storageConnection, merged);
        ServiceCollection services = new();
        services.AddSingleton(configuration);
        services.AddLogging(logging =>
        {
            logging.AddConfiguration(configuration.GetSection("Logging"));
            logging.SetMinimumLevel(context.Verbose ? LogLevel.Information : LogLevel.Warning);
            if (!context.Verbose)
            {
                // In process, a long activity (a training chunk) makes the Durable worker warn that its gRPC channel
                // went quiet and reconnect; harmless here, and alarming in a demo's output.
                logging.AddFilter("Microsoft.DurableTask", LogLevel.Error);
            }

            logging.AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.ColorBehavior = LoggerColorBehavior.Disabled;
            });

            // Logs are diagnostics: keep stdout for results (tables, --json).
            logging.Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        });
        services.AddServerlessCovidCore();
        services.AddServerlessCovidAreas(configuration);
        configure?.Invoke(services, configuration);

        ServiceProvider provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        try
        {
            provider.GetService<IStartupValidator>()?.Validate();
        }
        catch
        {
            provider.Dispose();
            throw;
        }

        return provider;
    }

    /// <summary>Environment variables, then the storage connection, then <paramref name="settings"/>.</summary>
    public static IConfiguration BuildConfiguration(string? storageConnection, IReadOnlyDictionary<string, string?>? settings = null)
    {
        ConfigurationBuilder builder = new();
        builder.AddEnvironmentVariables();
        Dictionary<string, string?> overrides = new(StringComparer.OrdinalIgnoreCase);
        string? connection = ResolveStorageConnection(storageConnection);
        if (connection is not null)
        {
            // The connection is looked up by name (Storage:Connection), as the Functions host does.
            string connectionName = builder.Build()[$"{StorageOptions.SectionName}:{nameof(StorageOptions.Connection)}"]
                ?? new StorageOptions().Connection;
            overrides[connectionName] = connection;
        }

        if (settings is not null)
        {
            foreach ((string key, string? value) in settings)
            {
                overrides[key] = value;
            }
        }

        builder.AddInMemoryCollection(overrides);
        return builder.Build();
    }

    /// <summary><c>--storage</c>, else <c>$AZURE_STORAGE_CONNECTION_STRING</c>, else null (AzureWebJobsStorage applies).</summary>
    public static string? ResolveStorageConnection(string? storageConnection)
    {
        if (!string.IsNullOrWhiteSpace(storageConnection))
        {
            return storageConnection;
        }

        string? fromEnvironment = Environment.GetEnvironmentVariable(CommonOptions.StorageConnectionVariable);
        return string.IsNullOrWhiteSpace(fromEnvironment) ? null : fromEnvironment;
    }

    /// <summary>
    /// The <c>Inference</c> settings of this run (environment, then <c>--set</c>), for verbs that create ONNX Runtime
    /// sessions without a service provider (<c>covid train</c>'s report, <c>covid platform</c>).
    /// </summary>
    public static InferenceOptions GetInferenceOptions(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        InferenceOptions options = new();
        BuildConfiguration(null, context.Settings).GetSection(InferenceOptions.SectionName).Bind(options);
        return options;
    }

    /// <summary>Whether some storage account is configured for this run (option, environment or <c>--set</c>).</summary>
    public static bool HasStorageConnection(CliContext context, string? storageConnection)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (ResolveStorageConnection(storageConnection) is not null)
        {
            return true;
        }

        IConfiguration configuration = BuildConfiguration(null, context.Settings);
        string name = configuration[$"{StorageOptions.SectionName}:{nameof(StorageOptions.Connection)}"] ?? new StorageOptions().Connection;
        return !string.IsNullOrWhiteSpace(configuration[name]) || configuration.GetSection(name)["blobServiceUri"] is not null;
    }
}
