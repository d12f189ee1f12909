using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Datasets;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Security;
using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Cli.Infrastructure;

/// <summary>
/// The areas' registrations, called once by <see cref="CliServices.Build"/> after <c>AddServerlessCovidCore()</c>:
/// one line per area, each area's method living next to the services it registers.
/// </summary>
internal static class CliComposition
{
    public static IServiceCollection AddServerlessCovidAreas(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);

        // A person waits on the CLI: an unreachable account should fail in about a second, not after the SDK's retries.
        services.Replace(ServiceDescriptor.Singleton(provider =>
        {
            StorageAccount account = StorageAccount.FromConfiguration(
                provider.GetRequiredService<IConfiguration>(), provider.GetRequiredService<IOptions<StorageOptions>>().Value.Connection);
            account.ConfigureClientOptions = FailFast;
            return account;
        }));
        services.AddTriageStorage();
        services.AddDatasets();
        services.AddXrayInference();
        services.AddHospitalAccess();
        return services;
    }

    /// <summary>Two quick retries, then the error; a 60 s network timeout still fits a model package upload.</summary>
    internal static void FailFast(Azure.Core.ClientOptions options)
    {
        options.Retry.Mode = Azure.Core.RetryMode.Fixed;
        options.Retry.MaxRetries = 2;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(60);
    }
}
