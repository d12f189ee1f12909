using System.Text.Json;
using ServerlessCovid.Cli.Bench;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Testing.Onnx;

namespace ServerlessCovid.Cli.Tests;

public sealed class BenchInferFormatsTests : IDisposable
{
    private readonly string _package = Path.Combine(Path.GetTempPath(), $"bench-formats-{Guid.NewGuid():N}");

    public BenchInferFormatsTests()
    {
        ModelManifest manifest = new()
        {
            Version = "tiny-contrast",
            CreatedUtc = DateTimeOffset.UnixEpoch,
            OnnxSha256 = string.Empty,
            ClassNames = ClassNames.InOutputOrder,
            PreprocessingId = Preprocessing.RgbStretchUnit256,
            OperatingThreshold = 0.5,
        };
        ModelPackage.Create(manifest, TinyOnnxModels.ChannelContrastClassifier()).SaveToDirectory(_package);
    }

    public void Dispose() => Directory.Delete(_package, recursive: true);

    [Fact]
    public void Create_EveryFormat_DecodesToTheSameImage()
    {
        // Arrange: the bench's own writers (16-bit PNG, DICOM native and JPEG Lossless, grey JPEG) must produce what
        // the reader accepts, and the lossless DICOM must hold exactly the pixels of the uncompressed one.
        IReadOnlyList<BenchInput> inputs = RealisticInputs.Create(96, 80);
        float[][] tensors = [.. inputs.Select(_ => new float[Preprocessing.ValuesPerImage])];

        // Act
        PreprocessedImage[] results = [.. inputs.Select((input, i) => XrayPreprocessor.Default.LoadTensor(input.Bytes, tensors[i]))];

        // Assert
        Assert.Equal(["png", "dicom", "dicom", "jpeg"], results.Select(r => r.Image.Format));
        Assert.All(results, r => Assert.Equal((96, 80), (r.Image.Width, r.Image.Height)));
        Assert.Equal(tensors[1], tensors[2]);
    }

    [Fact]
    public async Task BenchInfer_Formats_ReportsOneRowPerFormatWithImageSharpWhereReplaced()
    {
        // Arrange
        using StringWriter stdout = new();

        // Act
        int exit = await CovidCli.RunAsync(
            ["bench", "infer", "--model", _package, "--count", "1", "--size", "64", "--batch-size", "1", "--provider", "cpu",
                "--formats", "--format-repeats", "1", "--json"],
            stdout,
            TextWriter.Null);

        // Assert
        Assert.Equal(CovidCli.Success, exit);
        using JsonDocument report = JsonDocument.Parse(stdout.ToString());
        JsonElement[] rows = [.. report.RootElement.GetProperty("formats").EnumerateArray()];
        Assert.Equal(4, rows.Length);
        Assert.All(rows, row => Assert.True(row.GetProperty("decodeAndPreprocessMs").GetDouble() > 0 && row.GetProperty("bareRunMs").GetDouble() > 0));
        Assert.Equal(
            [true, false, false, true],
            rows.Select(row => row.TryGetProperty("imageSharpMs", out JsonElement old) && old.ValueKind == JsonValueKind.Number));
    }
}
