using System.Net;
using System.Net.Sockets;
using ServerlessCovid.Core.Storage.Emulator;

namespace ServerlessCovid.Cli.Tests;

/// <summary>Storage that is missing or unreachable ends a verb with one line that says what to set, never a stack trace.</summary>
public sealed class StorageErrorTests
{
    [Fact]
    public async Task ModelsList_NoStorageConfigured_OneLineNamingFlagsAndVariables()
    {
        // Arrange: a connection name nothing sets, whatever this machine's environment holds.
        string[] args = ["models", "list", "--set", "Storage:Connection=ServerlessCovidTestNoSuchConnection"];

        // Act
        CliRun run = await CliRunner.RunAsync(args);

        // Assert
        Assert.Equal(CovidCli.Failure, run.ExitCode);
        string line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("--storage", line, StringComparison.Ordinal);
        Assert.Contains("--account-url", line, StringComparison.Ordinal);
        Assert.Contains("AZURE_STORAGE_CONNECTION_STRING", line, StringComparison.Ordinal);
        Assert.Contains("AzureWebJobsStorage", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelsList_UnreachableAccount_OneLineSayingSoAndWhatToCheck()
    {
        // Arrange: a loopback port that was free a moment ago, so connections are refused.
        TcpListener listener = new(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        string connection = $"DefaultEndpointsProtocol=http;AccountName={AzuriteProcess.AccountName};AccountKey={AzuriteProcess.AccountKey};"
            + $"BlobEndpoint=http://127.0.0.1:{port}/{AzuriteProcess.AccountName};QueueEndpoint=http://127.0.0.1:{port}/{AzuriteProcess.AccountName};"
            + $"TableEndpoint=http://127.0.0.1:{port}/{AzuriteProcess.AccountName};";

        // Act
        CliRun run = await CliRunner.RunAsync("models", "list", "--storage", connection);

        // Assert
        Assert.Equal(CovidCli.Failure, run.ExitCode);
        string line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: cannot reach the storage account", line, StringComparison.Ordinal);
        Assert.Contains("--storage", line, StringComparison.Ordinal);
        Assert.DoesNotContain("AggregateException", line, StringComparison.Ordinal);
    }
}
