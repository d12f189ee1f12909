using System.CommandLine;
using Azure.Identity;
using Microsoft.Extensions.DependencyInjection;
using ServerlessCovid.Cli.Infrastructure;
using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Cli.Tests;

/// <summary>
/// <c>--account-url</c> on the storage verbs: identity-based storage with DefaultAzureCredential, as the Bicep deploys it
/// (shared keys off). Only the credential chosen is checked; nothing here calls Azure.
/// </summary>
public sealed class AccountUrlTests
{
    [Theory]
    [InlineData("models", "list")]
    [InlineData("results", "list", "--hospital", "h1")]
    [InlineData("predict", "x.png")]
    public void Build_AccountUrl_UsesDefaultAzureCredentialOnThatAccount(params string[] verb)
    {
        // Arrange
        ParseResult parse = CovidCli.BuildRootCommand().Parse([.. verb, "--account-url", "https://stcovid.blob.core.windows.net"]);
        Assert.Empty(parse.Errors);
        CliContext context = new(parse);

        // Act
        using ServiceProvider services = CliServices.Build(context, storageConnection: null);
        StorageAccount account = services.GetRequiredService<StorageAccount>();

        // Assert
        Assert.IsType<DefaultAzureCredential>(account.Credential);
        Assert.Equal(new Uri("https://stcovid.blob.core.windows.net"), account.BlobServiceUri);
    }

    [Fact]
    public void IdentitySettings_BlobEndpoint_DerivesQueueAndTableAndClearsConnectionString()
    {
        // Act
        IReadOnlyDictionary<string, string?> settings = CliServices.IdentitySettings("https://stcovid.blob.core.windows.net/");

        // Assert
        Assert.Null(settings["AzureWebJobsStorage"]);
        Assert.Equal("https://stcovid.queue.core.windows.net", settings["AzureWebJobsStorage:queueServiceUri"]);
        Assert.Equal("https://stcovid.table.core.windows.net", settings["AzureWebJobsStorage:tableServiceUri"]);
    }

    [Theory]
    [InlineData("http://stcovid.blob.core.windows.net", "is not a storage endpoint")]
    [InlineData("https://example.org", "is not a storage endpoint")]
    public async Task ModelsList_BadAccountUrl_ReturnsUsageError(string url, string expected)
    {
        // Act
        CliRun run = await CliRunner.RunAsync("models", "list", "--account-url", url);

        // Assert
        Assert.Equal(CovidCli.UsageError, run.ExitCode);
        Assert.Contains(expected, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelsList_StorageAndAccountUrl_ReturnsUsageError()
    {
        // Act
        CliRun run = await CliRunner.RunAsync(
            "models", "list", "--storage", "UseDevelopmentStorage=true", "--account-url", "https://stcovid.blob.core.windows.net");

        // Assert
        Assert.Equal(CovidCli.UsageError, run.ExitCode);
        Assert.Contains("not both", run.Error, StringComparison.Ordinal);
    }
}
