using ServerlessCovid.Core.Datasets;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Cli.Tests;

public sealed class SynthCommandTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "synth-cli-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task Synth_SmallCount_WritesDatasetGridsAndDisclaimer()
    {
        // Arrange
        using StringWriter output = new();
        using StringWriter error = new();
        string grid = Path.Combine(_directory, "grid");

        // Act
        int exit = await CovidCli.RunAsync(
            ["synth", "--out", _directory, "--count", "6", "--seed", "3", "--size", "64", "--grid", grid], output, error);

        // Assert
        Assert.Equal(CovidCli.Success, exit);
        IReadOnlyList<DatasetManifestEntry> manifest = DatasetManifest.Read(_directory);
        Assert.Equal(3, manifest.Count(e => e.Label == ClassNames.Covid));
        Assert.Equal(3, manifest.Count(e => e.Label == ClassNames.Normal));
        Assert.True(File.Exists(Path.Combine(grid, "synthetic-covid.png")));
        Assert.True(File.Exists(Path.Combine(grid, "synthetic-normal.png")));
        Assert.Contains("Wrote 6 images (3 normal, 3 covid)", output.ToString(), StringComparison.Ordinal);
        Assert.Contains(Disclaimers.ResearchOnly, output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Synth_SameSeedTwice_SameBytes()
    {
        // Arrange
        string first = Path.Combine(_directory, "a");
        string second = Path.Combine(_directory, "b");

        // Act
        await CovidCli.RunAsync(["synth", "--out", first, "--count", "2", "--seed", "9", "--size", "48"], TextWriter.Null, TextWriter.Null);
        await CovidCli.RunAsync(["synth", "--out", second, "--count", "2", "--seed", "9", "--size", "48"], TextWriter.Null, TextWriter.Null);

        // Assert
        foreach (DatasetManifestEntry entry in DatasetManifest.Read(first))
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(first, entry.File)), File.ReadAllBytes(Path.Combine(second, entry.File)));
        }
    }

    [Fact]
    public async Task Synth_Unilateral_CovidFindingsInOneLungAndNormalsUnchanged()
    {
        // Arrange
        string usual = Path.Combine(_directory, "usual");
        string oneLung = Path.Combine(_directory, "one-lung");

        // Act
        await CovidCli.RunAsync(["synth", "--out", usual, "--count", "16", "--seed", "9", "--size", "64"], TextWriter.Null, TextWriter.Null);
        int exit = await CovidCli.RunAsync(
            ["synth", "--out", oneLung, "--count", "16", "--seed", "9", "--size", "64", "--unilateral"], TextWriter.Null, TextWriter.Null);

        // Assert
        Assert.Equal(CovidCli.Success, exit);
        IReadOnlyList<DatasetManifestEntry> entries = DatasetManifest.Read(oneLung);
        Assert.All(entries.Where(e => e.Label == ClassNames.Covid), e => Assert.Contains("bilateral=0", e.Parameters, StringComparison.Ordinal));
        Assert.Contains(DatasetManifest.Read(usual), e => e.Parameters.Contains("bilateral=1", StringComparison.Ordinal));
        Assert.All(entries.Where(e => e.Label == ClassNames.Normal), e =>
            Assert.Equal(File.ReadAllBytes(Path.Combine(usual, e.File)), File.ReadAllBytes(Path.Combine(oneLung, e.File))));
    }

    [Theory]
    [InlineData("--count", "0")]
    [InlineData("--size", "8")]
    public async Task Synth_InvalidOption_UsageError(string option, string value)
    {
        // Arrange
        using StringWriter error = new();

        // Act
        int exit = await CovidCli.RunAsync(["synth", "--out", _directory, option, value], TextWriter.Null, error);

        // Assert
        Assert.Equal(CovidCli.UsageError, exit);
        Assert.Contains(option, error.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(_directory));
    }
}
