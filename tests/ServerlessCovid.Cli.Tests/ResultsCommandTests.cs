using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Cli.Tests;

[Collection(TestCollections.Azurite)]
public sealed class ResultsCommandTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task ResultsList_ThreeResults_JsonNewestFirstForThatHospitalOnly()
    {
        // Arrange
        (StorageOptions options, TriageResultStore store) = CreateStore();
        await store.UpsertAsync(Scored("st-marys", "a.png", ClassNames.Covid, 0.91, Start));
        await store.UpsertAsync(Scored("st-marys", "b.png", ClassNames.Normal, 0.08, Start.AddMinutes(1)));
        await store.UpsertAsync(Scored("st-marys", "c.png", ClassNames.Covid, 0.77, Start.AddMinutes(2)));
        await store.UpsertAsync(Scored("elsewhere", "d.png", ClassNames.Covid, 0.99, Start.AddMinutes(3)));

        // Act
        CliRun run = await CliRunner.RunAsync(
            ["results", "list", "--hospital", "st-marys", "--json", .. StorageCliArguments.For(azurite, options)]);

        // Assert
        Assert.Equal(CovidCli.Success, run.ExitCode);
        using JsonDocument json = JsonDocument.Parse(run.Output);
        string[] names = [.. json.RootElement.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("sourceName").GetString()!)];
        Assert.Equal(["c.png", "b.png", "a.png"], names);
        Assert.Equal(Disclaimers.ResearchOnly, json.RootElement.GetProperty("disclaimer").GetString());
    }

    [Fact]
    public async Task ResultsList_LabelFilterAndTop_ReturnsMatchingRowsUpToTop()
    {
        // Arrange
        (StorageOptions options, TriageResultStore store) = CreateStore();
        for (int i = 0; i < 5; i++)
        {
            await store.UpsertAsync(Scored("h1", $"covid-{i}.png", ClassNames.Covid, 0.9, Start.AddMinutes(i)));
            await store.UpsertAsync(Scored("h1", $"normal-{i}.png", ClassNames.Normal, 0.1, Start.AddMinutes(i).AddSeconds(30)));
        }

        // Act
        CliRun run = await CliRunner.RunAsync(
            ["results", "list", "--hospital", "h1", "--label", "covid", "--top", "3", .. StorageCliArguments.For(azurite, options)]);

        // Assert
        Assert.Equal(CovidCli.Success, run.ExitCode);
        Assert.Contains("covid-4.png", run.Output, StringComparison.Ordinal);
        Assert.Contains("covid-2.png", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("covid-1.png", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("normal-", run.Output, StringComparison.Ordinal);
        Assert.Contains("3 result(s) for hospital 'h1'", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResultsList_UnknownHospital_SaysNoResults()
    {
        // Arrange
        (StorageOptions options, _) = CreateStore();

        // Act
        CliRun run = await CliRunner.RunAsync(["results", "list", "--hospital", "nobody", .. StorageCliArguments.For(azurite, options)]);

        // Assert
        Assert.Equal(CovidCli.Success, run.ExitCode);
        Assert.Contains("No results for hospital 'nobody'", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResultsList_FormatCsv_HeaderThenOneQuotedRecordPerResultAndDisclaimerOnStderr()
    {
        // Arrange
        (StorageOptions options, TriageResultStore store) = CreateStore();
        await store.UpsertAsync(Scored("h1", "plain.png", ClassNames.Normal, 0.25, Start));
        await store.UpsertAsync(Scored("h1", "ward 3, bed 2.png", ClassNames.Covid, 0.75, Start.AddMinutes(1)));

        // Act
        CliRun run = await CliRunner.RunAsync(
            ["results", "list", "--hospital", "h1", "--format", "csv", .. StorageCliArguments.For(azurite, options)]);

        // Assert
        Assert.Equal(CovidCli.Success, run.ExitCode);
        string[] records = run.Output.Split("\r\n");
        Assert.Equal("createdUtc,id,image,status,label,covidProbability,threshold,modelVersion,confirmedLabel,errorCode,errorReason", records[0]);
        Assert.Equal(4, records.Length); // header, two records, and the empty string after the last CRLF
        Assert.Contains("\"ward 3, bed 2.png\",scored,covid,0.75,0.5,v1,,,", records[1], StringComparison.Ordinal);
        Assert.Contains(",plain.png,scored,normal,0.25,0.5,v1,,,", records[2], StringComparison.Ordinal);
        Assert.Equal("", records[3]);
        Assert.DoesNotContain(Disclaimers.ResearchOnly, run.Output, StringComparison.Ordinal);
        Assert.Contains(Disclaimers.ResearchOnly, run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "results", "list" }, "--hospital")]
    [InlineData(new[] { "results", "list", "--hospital", "St Mary's" }, "is not a hospital id")]
    [InlineData(new[] { "results", "list", "--hospital", "h1", "--label", "sick" }, "sick")]
    [InlineData(new[] { "results", "list", "--hospital", "h1", "--top", "0" }, "--top must be between")]
    [InlineData(new[] { "results", "list", "--hospital", "h1", "--status", "lost" }, "lost")]
    [InlineData(new[] { "results" }, "Required command was not provided")]
    public async Task ResultsList_BadArguments_ReturnsUsageError(string[] args, string expected)
    {
        // Act
        CliRun run = await CliRunner.RunAsync(args);

        // Assert
        Assert.Equal(CovidCli.UsageError, run.ExitCode);
        Assert.Contains(expected, run.Error, StringComparison.Ordinal);
    }

    private static TriageResult Scored(string hospital, string name, string label, double covid, DateTimeOffset created) => new()
    {
        Hospital = hospital,
        Id = ResultIds.ForBlob(hospital, name),
        Status = TriageStatus.Scored,
        Source = $"http://127.0.0.1/xrays/{hospital}/{name}",
        SourceName = name,
        ContentSha256 = new string('a', 64),
        Label = label,
        Probabilities = new Dictionary<string, double> { [ClassNames.Covid] = covid, [ClassNames.Normal] = 1 - covid },
        PositiveClass = ClassNames.Covid,
        Threshold = 0.5,
        ModelVersion = "v1",
        CreatedUtc = created,
        UpdatedUtc = created,
    };

    private (StorageOptions Options, TriageResultStore Store) CreateStore()
    {
        StorageOptions options = azurite.NewStorageOptions();
        TriageResultStore store = new(azurite.CreateTableServiceClient(), Options.Create(options), NullLogger<TriageResultStore>.Instance);
        return (options, store);
    }
}
