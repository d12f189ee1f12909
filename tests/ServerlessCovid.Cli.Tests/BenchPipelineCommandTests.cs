using System.Text.Json;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Testing.Onnx;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Cli.Tests;

/// <summary>
/// <c>covid bench pipeline</c> end to end on the tiny graph with a <c>cam</c> output: its own embedded Azurite, the
/// function class invoked per blob, and the span breakdown. Counts are asserted, never times.
/// </summary>
/// <remarks>
/// In the Azurite collection although it starts its own Azurite: the triage spans and metrics are process-wide, so
/// this test and the demo's (which asserts its metric totals) must not triage at the same time; a parallel run once
/// gave the demo 19 scored images for its 10.
/// </remarks>
[Collection(TestCollections.Azurite)]
public sealed class BenchPipelineCommandTests : IDisposable
{
    private const int Images = 6;

    private readonly string _package = Path.Combine(Path.GetTempPath(), $"bench-pipeline-{Guid.NewGuid():N}");

    public BenchPipelineCommandTests()
    {
        ModelManifest manifest = new()
        {
            Version = "tiny-cam",
            CreatedUtc = DateTimeOffset.UnixEpoch,
            OnnxSha256 = string.Empty,
            ClassNames = ClassNames.InOutputOrder,
            PreprocessingId = Preprocessing.RgbStretchUnit256,
            OperatingThreshold = 0.5,
        };
        ModelPackage.Create(manifest, TinyOnnxModels.ChannelContrastClassifierWithCam()).SaveToDirectory(_package);
    }

    public void Dispose() => Directory.Delete(_package, recursive: true);

    [Fact]
    public async Task BenchPipeline_TinyPackageWithBatching_EveryBlobScoredAndEveryStageTraced()
    {
        // Arrange
        using StringWriter stdout = new();

        // Act
        int exit = await CovidCli.RunAsync(
            [
                "--set", "Inference:BatchWindowMilliseconds=50", "--set", "Inference:ExecutionProvider=cpu",
                "bench", "pipeline", "--model", _package, "--count", $"{Images}", "--concurrency", "3", "--rounds", "1", "--json",
            ],
            stdout,
            TextWriter.Null);

        // Assert
        Assert.Equal(CovidCli.Success, exit);
        using JsonDocument report = JsonDocument.Parse(stdout.ToString());
        JsonElement root = report.RootElement;
        Assert.Equal(("tiny-cam", Images, 3, 0), (
            root.GetProperty("modelVersion").GetString(), root.GetProperty("images").GetInt32(),
            root.GetProperty("concurrency").GetInt32(), root.GetProperty("failed").GetInt32()));
        Assert.Equal(50, root.GetProperty("batchWindowMs").GetDouble());
        Assert.InRange(root.GetProperty("pipeline").GetProperty("runs").GetInt64(), 1, Images);
        Assert.True(root.GetProperty("ratio").GetDouble() > 0);
        Dictionary<string, int> spans = root.GetProperty("stages").EnumerateArray()
            .ToDictionary(s => s.GetProperty("stage").GetString()!, s => s.GetProperty("spans").GetInt32());
        foreach (string stage in new[]
        {
            "triage.blob", "triage.download", "triage.hash", "triage.table_read", "triage.decode", "triage.preprocess",
            "triage.queue_wait", "triage.run", "triage.heatmap", "triage.heatmap_render", "triage.table_write",
        })
        {
            Assert.True(spans.TryGetValue(stage, out int count), stage);
            Assert.Equal(Images, count);
        }
    }
}
