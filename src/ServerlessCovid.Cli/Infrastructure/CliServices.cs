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
        string? accountUrl = AccountUrlOf(context);
        if (accountUrl is not null && !string.IsNullOrWhiteSpace(storageConnection))
        {
            throw new CliUsageException("Use either --storage CONN or --account-url URL, not both.");
        }

        Dictionary<string, string?> merged = new(context.Settings, StringComparer.OrdinalIgnoreCase);
        if (accountUrl is not null)
        {
            foreach ((string key, string? value) in IdentitySettings(accountUrl, merged))
            {
                merged[key] = value;
            }
        }

        foreach ((string key, string? value) in settings ?? new Dictionary<string, string?>())
        {
            merged[key] = value;
        }

        IConfiguration configuration = BuildConfiguration(accountUrl is null ? storageConnection : null, merged);
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

    /// <summary>The verb's <c>--account-url</c>, or null when it has none or it was not given.</summary>
    public static string? AccountUrlOf(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        bool defined = context.ParseResult.CommandResult.Command.Options.Any(o => o.Name == CommonOptions.AccountUrlName);
        return defined ? context.ParseResult.GetValue<string?>(CommonOptions.AccountUrlName) : null;
    }

    /// <summary>
    /// The identity-based connection settings for <paramref name="accountUrl"/>: the Functions format
    /// (<c>{connection}:blobServiceUri</c>, <c>:queueServiceUri</c>, <c>:tableServiceUri</c>), with any connection
    /// string under that name cleared, so <see cref="StorageAccount"/> signs in with <c>DefaultAzureCredential</c>.
    /// </summary>
    /// <exception cref="CliUsageException">Not an https://ACCOUNT.blob|queue|table.SUFFIX endpoint.</exception>
    public static IReadOnlyDictionary<string, string?> IdentitySettings(string accountUrl, IReadOnlyDictionary<string, string?>? settings = null)
    {
        if (!Uri.TryCreate(accountUrl, UriKind.Absolute, out Uri? uri) || uri.Scheme != Uri.UriSchemeHttps
            || uri.Host.Split('.') is not [var account, "blob" or "queue" or "table" or "dfs", .. var suffix] || account.Length == 0 || suffix.Length == 0)
        {
            throw new CliUsageException(
                $"--account-url '{accountUrl}' is not a storage endpoint: expected https://ACCOUNT.blob.core.windows.net.");
        }

        string Endpoint(string service) => $"https://{account}.{service}.{string.Join('.', suffix)}";
        string name = BuildConfiguration(null, settings)[$"{StorageOptions.SectionName}:{nameof(StorageOptions.Connection)}"]
            ?? new StorageOptions().Connection;
        return new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            [name] = null,
            [$"{name}:blobServiceUri"] = Endpoint("blob"),
            [$"{name}:queueServiceUri"] = Endpoint("queue"),
            [$"{name}:tableServiceUri"] = Endpoint("table"),
        };
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
