using ServerlessCovid.Training.Training;

namespace ServerlessCovid.Training.Tests.Training;

public sealed class LearningRateScheduleTests
{
    [Fact]
    public void LearningRateAt_CosineWithWarmup_RisesLinearlyThenDecaysToZero()
    {
        // Arrange: 10 steps per epoch, 1 warm-up epoch of 5.
        TrainingRequest request = TrainingPresets.Get(TrainingPresets.Tiny) with
        {
            LearningRate = 0.1, Epochs = 5, WarmupEpochs = 1, Schedule = LearningRateSchedule.Cosine,
        };

        // Act
        double[] rates = [.. Enumerable.Range(0, 50).Select(step => Trainer.LearningRateAt(request, step, stepsPerEpoch: 10))];

        // Assert
        Assert.Equal(0.01, rates[0], 12);
        Assert.Equal(0.1, rates[9], 12);
        Assert.Equal(0.1, rates[10], 12);
        Assert.Equal(0.05, rates[30], 12);
        Assert.True(rates[49] < 0.001);
        Assert.True(rates.Skip(10).Zip(rates.Skip(11)).All(pair => pair.Second <= pair.First), "the decay must be monotonic");
    }

    [Fact]
    public void LearningRateAt_ConstantWithoutWarmup_IsThePeakRateThroughout()
    {
        // Arrange
        TrainingRequest request = TrainingPresets.Get(TrainingPresets.Paper);

        // Act
        double[] rates = [.. Enumerable.Range(0, 100).Select(step => Trainer.LearningRateAt(request, step, stepsPerEpoch: 10))];

        // Assert
        Assert.All(rates, rate => Assert.Equal(request.LearningRate, rate));
    }

    [Fact]
    public void Validate_WarmupAsLongAsTheRun_Throws()
    {
        // Arrange
        TrainingRequest request = TrainingPresets.Get(TrainingPresets.Tiny) with { Epochs = 3, WarmupEpochs = 3 };

        // Act
        ArgumentException error = Assert.Throws<ArgumentException>(request.Validate);

        // Assert
        Assert.Contains("warm-up", error.Message, StringComparison.Ordinal);
    }
}
