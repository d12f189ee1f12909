using System.Text.Json;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Testing.Onnx;

namespace ServerlessCovid.Cli.Tests;

public sealed class BenchInferCommandTests : IDisposable
{
    private readonly string _package = Path.Combine(Path.GetTempPath(), $"bench-infer-{Guid.NewGuid():N}");

    public BenchInferCommandTests()
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
    public async Task BenchInfer_TinyPackageJson_ReportsEveryStageTheRatiosAndTheBatchedPath()
    {
        // Arrange
        using StringWriter stdout = new();

        // Act
        int exit = await CovidCli.RunAsync(
            ["bench", "infer", "--model", _package, "--count", "3", "--size", "128", "--batch-size", "2", "--provider", "cpu", "--json"],
            stdout,
            TextWriter.Null);

        // Assert
        Assert.Equal(CovidCli.Success, exit);
        using JsonDocument report = JsonDocument.Parse(stdout.ToString());
        JsonElement root = report.RootElement;
        Assert.Equal("tiny-contrast", root.GetProperty("model").GetProperty("version").GetString());
        Assert.Equal(3, root.GetProperty("images").GetProperty("count").GetInt32());
        foreach (string stage in new[] { "decode", "preprocess", "inference", "endToEnd", "bareRun", "naiveDecodeAndResize" })
        {
            JsonElement stat = root.GetProperty(stage);
            Assert.True(stat.GetProperty("median").GetDouble() > 0, stage);
            Assert.True(stat.GetProperty("p95").GetDouble() >= stat.GetProperty("median").GetDouble(), stage);
            Assert.True(stat.GetProperty("min").GetDouble() <= stat.GetProperty("median").GetDouble(), stage);
        }

        Assert.True(root.GetProperty("latencyOverBareRun").GetDouble() > 0);
        JsonElement stream = root.GetProperty("stream");
        Assert.True(stream.GetProperty("perImageMs").GetDouble() > 0);
        Assert.True(stream.GetProperty("overBareRun").GetDouble() > 0);
        JsonElement batched = root.GetProperty("batched");
        Assert.Equal(2, batched.GetProperty("batchSize").GetInt32());
        Assert.True(batched.GetProperty("imagesPerSecond").GetDouble() > 0);
        Assert.True(batched.GetProperty("bareRunPerImageMs").GetDouble() > 0);
    }

    [Fact]
    public async Task BenchInfer_Text_PrintsTheTargetLine()
    {
        // Arrange
        using StringWriter stdout = new();

        // Act
        int exit = await CovidCli.RunAsync(
            ["bench", "infer", "--model", _package, "--count", "2", "--size", "64", "--provider", "cpu"], stdout, TextWriter.Null);

        // Assert
        Assert.Equal(CovidCli.Success, exit);
        Assert.Contains("latency: end-to-end / bare Run", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("(target ≤ 1.25)", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains(Disclaimers.ResearchOnly, stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BenchInfer_MissingPackage_FailsWithReason()
    {
        // Arrange
        using StringWriter stderr = new();

        // Act
        int exit = await CovidCli.RunAsync(
            ["bench", "infer", "--model", Path.Combine(_package, "nope"), "--count", "1", "--size", "64"], TextWriter.Null, stderr);

        // Assert
        Assert.Equal(CovidCli.Failure, exit);
        Assert.Contains("is not a model package", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BenchInfer_ZeroCount_IsAUsageError()
    {
        // Act
        int exit = await CovidCli.RunAsync(["bench", "infer", "--model", _package, "--count", "0"], TextWriter.Null, TextWriter.Null);

        // Assert
        Assert.Equal(CovidCli.UsageError, exit);
    }
}
