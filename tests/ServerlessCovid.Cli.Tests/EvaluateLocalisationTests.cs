using System.Text.Json;
using ServerlessCovid.Core.Datasets;
using ServerlessCovid.Core.Evaluation.Localisation;
using ServerlessCovid.Core.Evaluation.Report;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Testing.Onnx;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Cli.Tests;

/// <summary>
/// <c>covid evaluate</c> on a folder whose manifest names masks, with the tiny graph whose COVID map is the red
/// channel's block mean: a bright-red 64×64 patch in the top-right corner is where every map peaks (a corner off the
/// diagonal, so a map read transposed would point at the bottom-left instead).
/// </summary>
public sealed class EvaluateLocalisationTests : IDisposable
{
    private const int Size = 256;
    private const int Patch = 64;

    private readonly string _root = Directory.CreateTempSubdirectory("sc-evaluate-masks-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task RunAsync_FolderWithMasks_PrintsAndWritesPointingGame()
    {
        // Arrange: three COVID images whose lesion mask is the patch (hits), one whose mask is the mirrored corner (miss).
        string data = Path.Combine(_root, "data");
        List<DatasetManifestEntry> entries = [];
        for (int i = 0; i < 4; i++)
        {
            string file = $"covid/c{i}.png";
            WriteXray(data, file, new Rgb24(150, 90, 60));
            string lesion = $".masks/lesion/c{i}.png";
            string lung = $".masks/lung/c{i}.png";
            WriteMask(data, lesion, i < 3 ? (x, y) => x >= Size - Patch && y < Patch : (x, y) => x < Patch && y >= Size - Patch);
            WriteMask(data, lung, (_, _) => true);
            entries.Add(new DatasetManifestEntry(file, ClassNames.Covid, "test", $"c{i}", string.Empty, string.Empty, lesion, lung));
            string normal = $"normal/n{i}.png";
            WriteXray(data, normal, new Rgb24(60, 150, 90));
            entries.Add(new DatasetManifestEntry(normal, ClassNames.Normal, "test", $"n{i}", string.Empty, string.Empty));
        }

        DatasetManifest.Write(data, entries);
        string output = Path.Combine(_root, "report");
        StringWriter stdout = new();
        StringWriter stderr = new();

        // Act
        int exit = await CovidCli.RunAsync(
            ["evaluate", "--model", WriteModel(), "--data", data, "--out", output, "--bootstrap", "200"], stdout, stderr);

        // Assert
        Assert.True(exit == CovidCli.Success, stderr.ToString());
        Assert.Contains("Pointing game (CAM 8x8 maximum inside a lesion) 0.750", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("(3/4 true positives), chance level 0.06", stdout.ToString(), StringComparison.Ordinal);
        using JsonDocument metrics = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, EvaluationReportWriter.MetricsFileName)));
        JsonElement localisation = metrics.RootElement.GetProperty("localisation");
        Assert.Equal(4, localisation.GetProperty("truePositives").GetInt32());
        Assert.Equal(0.0625, localisation.GetProperty("chanceLevel").GetDouble(), 9);
    }

    [Fact]
    public async Task RunAsync_MaskMissing_FailsWithItsCode()
    {
        // Arrange
        string data = Path.Combine(_root, "data");
        WriteXray(data, "covid/c.png", new Rgb24(150, 90, 60));
        WriteXray(data, "normal/n.png", new Rgb24(60, 150, 90));
        DatasetManifest.Write(data,
        [
            new("covid/c.png", ClassNames.Covid, "test", "c", string.Empty, string.Empty, ".masks/lesion/c.png", ".masks/lung/c.png"),
            new("normal/n.png", ClassNames.Normal, "test", "n", string.Empty, string.Empty),
        ]);
        StringWriter stderr = new();

        // Act
        int exit = await CovidCli.RunAsync(
            ["evaluate", "--model", WriteModel(), "--data", data, "--out", Path.Combine(_root, "report"), "--bootstrap", "200"],
            new StringWriter(), stderr);

        // Assert
        Assert.Equal(CovidCli.Failure, exit);
        Assert.Contains(MaskErrorCodes.Missing, stderr.ToString(), StringComparison.Ordinal);
    }

    private string WriteModel()
    {
        string directory = Path.Combine(_root, "model");
        ModelManifest manifest = new()
        {
            Version = "test-masks",
            CreatedUtc = DateTimeOffset.UnixEpoch,
            OnnxSha256 = string.Empty,
            ClassNames = ClassNames.InOutputOrder,
            PreprocessingId = Preprocessing.RgbStretchUnit256,
            OperatingThreshold = 0.5,
        };
        ModelPackage.Create(manifest, TinyOnnxModels.ChannelContrastClassifierWithCam(3f)).SaveToDirectory(directory);
        return directory;
    }

    private static void WriteXray(string data, string file, Rgb24 colour)
    {
        using Image<Rgb24> image = new(Size, Size, colour);
        for (int y = 0; y < Patch; y++)
        {
            for (int x = Size - Patch; x < Size; x++)
            {
                image[x, y] = new Rgb24(255, 0, 0);
            }
        }

        Save(image, Path.Combine(data, file));
    }

    private static void WriteMask(string data, string file, Func<int, int, bool> inside)
    {
        using Image<L8> mask = new(Size, Size);
        for (int y = 0; y < Size; y++)
        {
            for (int x = 0; x < Size; x++)
            {
                mask[x, y] = new L8(inside(x, y) ? byte.MaxValue : (byte)0);
            }
        }

        Save(mask, Path.Combine(data, file));
    }

    private static void Save(Image image, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        image.SaveAsPng(path);
    }
}
