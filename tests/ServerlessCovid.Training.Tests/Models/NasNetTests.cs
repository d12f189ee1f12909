using ServerlessCovid.Training.Models;
using ServerlessCovid.Training.Platform;
using static TorchSharp.torch;

namespace ServerlessCovid.Training.Tests.Models;

public sealed class NasNetTests
{
    public NasNetTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void Create_MobileConfigurationWithTwoClasses_HasThePaperParameterCounts()
    {
        // Arrange
        NasNetConfig config = NasNetConfig.Mobile(classes: 2);

        // Act
        using NasNet model = NasNet.Create(config);

        // Assert: Keras NASNetMobile without top has 4,232,978 trainable parameters; the 2-class head adds 2,114.
        Assert.Equal(4_235_092, ModelInfo.CountTrainableParameters(model));
        Assert.Equal(36_738, ModelInfo.CountBatchNormStatistics(model));
        Assert.Equal(1056, model.FeatureChannels);
    }

    [Fact]
    public void Create_MobileConfigurationWithThreeClasses_MatchesThePapersReportedCount()
    {
        // Act
        using NasNet model = NasNet.Create(NasNetConfig.Mobile(classes: 3));

        // Assert: the paper's 4,236,149 is the backbone plus a 3-unit head.
        Assert.Equal(4_236_149, ModelInfo.CountTrainableParameters(model));
    }

    [Fact]
    public void Measure_TinyConfiguration_ReportsCellsShapesAndCost()
    {
        // Arrange
        manual_seed(1);
        using NasNet model = NasNet.Create(NasNetConfig.Tiny());

        // Act
        ModelInfo info = ModelInfo.Measure(model, 64);

        // Assert: stem + 2 stem reductions + 3 normal + 2 reductions for one cell per stage.
        Assert.Equal(8, info.Cells.Count);
        Assert.Equal([1, 8, 31, 31], info.Cells[0].OutputShape);
        Assert.Equal([1, 192, 2, 2], info.Cells[^1].OutputShape);
        Assert.Equal(AdjustKind.None.ToString(), info.Cells[1].Adjust);
        Assert.Equal(AdjustKind.FactorizedReduction.ToString(), info.Cells[2].Adjust);
        Assert.True(info.MultiplyAdds > 0);
        Assert.Equal(info.TrainableParameters, info.Cells.Sum(c => c.Parameters) + info.HeadParameters);
        Assert.Equal((8 * 27) + (2 * 8), info.Cells[0].Parameters);
    }

    [Fact]
    public void Forward_TinyConfigurationInEvalMode_ReturnsOneLogitPerClass()
    {
        // Arrange
        manual_seed(2);
        using NasNet model = NasNet.Create(NasNetConfig.Tiny());
        model.eval();
        using var scope = NewDisposeScope();

        // Act
        Tensor logits = model.forward(rand(3, 3, 64, 64));

        // Assert
        Assert.Equal([3, 2], logits.shape);
        Assert.True(isfinite(logits).all().item<bool>());
    }
}
