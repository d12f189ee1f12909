using System.Diagnostics;
using System.Text.Json;
using ServerlessCovid.Core.Storage.Emulator;

namespace ServerlessCovid.Cli.Tests;

/// <summary>
/// The Azurite a reader starts by the README (<c>npm run azurite</c>, package.json's script) must work with the SDK
/// versions this project uses: Azurite without <c>--skipApiVersionCheck</c> answers 400 InvalidHeaderValue.
/// </summary>
public sealed class DocumentedAzuriteTests
{
    [Fact]
    public void PackageJsonAzuriteScript_EveryFlagTheProjectNeeds_IsInTheScript()
    {
        // Act
        string script = AzuriteScript();

        // Assert
        Assert.All(AzuriteProcess.RequiredFlags, flag => Assert.Contains(flag, script.Split(' '), StringComparer.Ordinal));
        Assert.Contains("--blobHost 127.0.0.1", script, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NpmRunAzurite_ModelsList_AnswersWithoutApiVersionError()
    {
        // Arrange: exactly the documented command, with ports the OS chooses (appended after `--`, as npm passes them on)
        // so the test never collides with an Azurite already on 10000-10002.
        ProcessStartInfo start = new("npm")
        {
            WorkingDirectory = RepositoryRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])["run", "azurite", "--", "--blobPort", "0", "--queuePort", "0", "--tablePort", "0"])
        {
            start.ArgumentList.Add(argument);
        }

        await using AzuriteProcess azurite = await AzuriteProcess.StartAsync(start);
        string container = "models-" + Guid.NewGuid().ToString("N")[..10];

        // Act
        CliRun run = await CliRunner.RunAsync(
            ["models", "list", "--storage", azurite.ConnectionString, "--set", $"Storage:ModelsContainer={container}"]);

        // Assert
        Assert.True(run.ExitCode == CovidCli.Success, run.Error);
        Assert.Contains("No models are published", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidHeaderValue", run.Error, StringComparison.Ordinal);
    }

    internal static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "package.json")) && File.Exists(Path.Combine(dir.FullName, "ServerlessCovid.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (package.json beside ServerlessCovid.sln) was not found.");
    }

    private static string AzuriteScript()
    {
        using JsonDocument package = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot(), "package.json")));
        return package.RootElement.GetProperty("scripts").GetProperty("azurite").GetString()!;
    }
}
