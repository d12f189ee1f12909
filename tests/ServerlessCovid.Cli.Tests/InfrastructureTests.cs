using Azure;
using ServerlessCovid.Cli.Infrastructure;
using ServerlessCovid.Core.Imaging;

namespace ServerlessCovid.Cli.Tests;

public sealed class InfrastructureTests
{
    [Fact]
    public void Describe_UsageException_MapsToUsageError()
    {
        // Act
        (int code, string message) = CliAction.Describe(new CliUsageException("pick one"), CancellationToken.None);

        // Assert
        Assert.Equal(CovidCli.UsageError, code);
        Assert.Equal("pick one", message);
    }

    [Fact]
    public void Describe_ImageRejected_MapsToFailureWithCodeAndReason()
    {
        // Act
        (int code, string message) = CliAction.Describe(
            new ImageRejectedException(ImageErrorCodes.UnsupportedFormat, "Not an image."), CancellationToken.None);

        // Assert
        Assert.Equal(CovidCli.Failure, code);
        Assert.Contains(ImageErrorCodes.UnsupportedFormat, message, StringComparison.Ordinal);
        Assert.Contains("Not an image.", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_StorageFailure_KeepsStatusAndErrorCode()
    {
        // Act
        (int code, string message) = CliAction.Describe(
            new RequestFailedException(404, "The specified container does not exist.\nRequestId:1", "ContainerNotFound", null),
            CancellationToken.None);

        // Assert
        Assert.Equal(CovidCli.Failure, code);
        Assert.Equal("storage request failed (404 ContainerNotFound): The specified container does not exist.", message);
    }

    [Fact]
    public void BuildConfiguration_StorageGiven_SetsTheFunctionsConnectionSetting()
    {
        // Act
        Microsoft.Extensions.Configuration.IConfiguration configuration =
            CliServices.BuildConfiguration("UseDevelopmentStorage=true", new Dictionary<string, string?> { ["Storage:ResultsTable"] = "Demo" });

        // Assert
        Assert.Equal("UseDevelopmentStorage=true", configuration["AzureWebJobsStorage"]);
        Assert.Equal("Demo", configuration["Storage:ResultsTable"]);
    }

    [Fact]
    public async Task RunAsync_PlainProgress_PrintsPercentEtaAndCompletion()
    {
        // Arrange
        using StringWriter output = new();
        using StringWriter error = new();
        System.CommandLine.Command command = new("work");
        command.SetCliAction(async (context, _) =>
        {
            await CliProgress.RunAsync(context, "Training", 4, progress =>
            {
                for (int epoch = 1; epoch <= 4; epoch++)
                {
                    progress.Report(epoch, $"epoch {epoch}");
                }

                return Task.CompletedTask;
            });
            return CovidCli.Success;
        });
        System.CommandLine.RootCommand root = new() { command };

        // Act
        int exitCode = await root.Parse(["work"]).InvokeAsync(new() { Output = output, Error = error });

        // Assert
        Assert.Equal(CovidCli.Success, exitCode);
        string log = error.ToString();
        Assert.Contains("Training: 1/4 (25%)", log, StringComparison.Ordinal);
        Assert.Contains("Training: 4/4 (100%)", log, StringComparison.Ordinal);
        Assert.Contains("ETA", log, StringComparison.Ordinal);
        Assert.Contains("Training: done in", log, StringComparison.Ordinal);
        Assert.Empty(output.ToString());
    }
}
