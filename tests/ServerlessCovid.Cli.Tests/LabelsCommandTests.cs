using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Datasets;
using ServerlessCovid.Core.Datasets.Labelled;
using ServerlessCovid.Core.Storage;
using ServerlessCovid.Testing.Storage;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Cli.Tests;

/// <summary><c>covid labels import</c> against Azurite: the bootstrap of a fresh deployment's labelled store.</summary>
[Collection(TestCollections.Azurite)]
public sealed class LabelsCommandTests(AzuriteFixture azurite) : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("covid-labels-");

    [Fact]
    public async Task LabelsImport_SameFolderTwice_StoresEachImageOnceWithManifestSourceAndPatient()
    {
        // Arrange: two images per class, sources and patients in manifest.csv.
        StorageOptions options = azurite.NewStorageOptions();
        string data = Path.Combine(_work.FullName, "data");
        List<DatasetManifestEntry> entries = [];
        for (int i = 0; i < 2; i++)
        {
            SaveImage(data, "covid", $"c{i}.png", new Rgb24(200, (byte)(40 + i), 40));
            SaveImage(data, "normal", $"n{i}.png", new Rgb24(40, (byte)(200 + i), 40));
            entries.Add(new DatasetManifestEntry($"covid/c{i}.png", "covid", "cohen", $"pc{i}", string.Empty, string.Empty));
            entries.Add(new DatasetManifestEntry($"normal/n{i}.png", "normal", "kermany", $"pn{i}", string.Empty, string.Empty));
        }

        DatasetManifest.Write(data, entries);
        string[] args = ["labels", "import", data, "--hospital", "st-marys", "--json", .. StorageCliArguments.For(azurite, options)];

        // Act
        CliRun first = await CliRunner.RunAsync(args);
        CliRun second = await CliRunner.RunAsync(args);

        // Assert
        Assert.True(first.ExitCode == CovidCli.Success, first.Error);
        Assert.True(second.ExitCode == CovidCli.Success, second.Error);
        using JsonDocument firstJson = JsonDocument.Parse(first.Output);
        using JsonDocument secondJson = JsonDocument.Parse(second.Output);
        Assert.Equal(4, firstJson.RootElement.GetProperty("created").GetInt32());
        Assert.Equal(0, secondJson.RootElement.GetProperty("created").GetInt32());
        Assert.Equal(4, secondJson.RootElement.GetProperty("alreadyPresent").GetInt32());
        LabelledImageStore store = new(
            azurite.CreateBlobServiceClient(), Options.Create(options), TimeProvider.System, NullLogger<LabelledImageStore>.Instance);
        IReadOnlyList<LabelledImage> stored = await store.ListAsync(hospital: "st-marys");
        Assert.Equal(4, stored.Count);
        Assert.Equal(2, stored.Count(s => s.Label == "covid" && s.Source == "cohen" && s.GroupId.StartsWith("pc", StringComparison.Ordinal)));
        Assert.Equal(2, stored.Count(s => s.Label == "normal" && s.Source == "kermany" && s.GroupId.StartsWith("pn", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(8)]
    public async Task LabelsImport_ConcurrentRunsOverlappingWithConflictingLabels_LeaveExactlyOneCopyPerImage(int runs)
    {
        // Arrange: every run holds the same six images; half the runs file them as covid, half as normal.
        StorageOptions options = azurite.NewStorageOptions();
        string[][] args = new string[runs][];
        for (int run = 0; run < runs; run++)
        {
            string data = Path.Combine(_work.FullName, $"run{run}");
            string label = run % 2 == 0 ? "covid" : "normal";
            for (int i = 0; i < 6; i++)
            {
                SaveImage(data, label, $"x{i}.png", new Rgb24((byte)(100 + i), 90, 80));
            }

            args[run] = ["labels", "import", data, "--hospital", "st-marys", "--json", .. StorageCliArguments.For(azurite, options)];
        }

        // Act
        CliRun[] results = await Task.WhenAll(args.Select(a => Task.Run(() => CliRunner.RunAsync(a))));

        // Assert
        Assert.All(results, r => Assert.True(r.ExitCode == CovidCli.Success, r.Error));
        LabelledImageStore store = new(
            azurite.CreateBlobServiceClient(), Options.Create(options), TimeProvider.System, NullLogger<LabelledImageStore>.Instance);
        IReadOnlyList<LabelledImage> stored = await store.ListAsync(hospital: "st-marys");
        Assert.Equal(6, stored.Count);
        Assert.Equal(6, stored.Select(s => s.Id).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task LabelsImport_FolderWithoutImages_FailsSayingSo()
    {
        // Arrange
        StorageOptions options = azurite.NewStorageOptions();
        string data = Directory.CreateDirectory(Path.Combine(_work.FullName, "empty", "covid")).Parent!.FullName;

        // Act
        CliRun run = await CliRunner.RunAsync(["labels", "import", data, "--hospital", "h1", .. StorageCliArguments.For(azurite, options)]);

        // Assert
        Assert.Equal(CovidCli.Failure, run.ExitCode);
        Assert.Contains("holds no images (png, jpg, jpeg, bmp, gif, tif, tiff, webp, dcm)", run.Error, StringComparison.Ordinal);
    }

    public void Dispose() => _work.Delete(recursive: true);

    private static void SaveImage(string data, string label, string name, Rgb24 colour)
    {
        Directory.CreateDirectory(Path.Combine(data, label));
        using Image<Rgb24> image = new(48, 40, colour);
        image.SaveAsPng(Path.Combine(data, label, name));
    }
}
