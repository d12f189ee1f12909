using ServerlessCovid.Training.Training;

namespace ServerlessCovid.Training.Tests.Training;

public sealed class TrainingRequestTests
{
    [Fact]
    public void WithMomentum_ZeroOnANesterovPreset_TurnsNesterovOffAndValidates()
    {
        // Arrange
        TrainingRequest learn = TrainingPresets.Get(TrainingPresets.Learn);

        // Act
        TrainingRequest plain = learn.WithMomentum(0);

        // Assert
        Assert.True(learn.Nesterov);
        Assert.False(plain.Nesterov);
        Assert.Equal(0, plain.Momentum);
        plain.Validate();
    }

    [Fact]
    public void WithMomentum_Positive_KeepsNesterov()
    {
        // Arrange
        TrainingRequest learn = TrainingPresets.Get(TrainingPresets.Learn);

        // Act
        TrainingRequest other = learn.WithMomentum(0.5);

        // Assert
        Assert.True(other.Nesterov);
        Assert.Equal(0.5, other.Momentum);
    }

    [Fact]
    public void Validate_NesterovWithoutMomentum_ThrowsNamingTheFix()
    {
        // Arrange: libtorch's SGD throws a native error for this pair; the request must refuse it first.
        TrainingRequest request = TrainingPresets.Get(TrainingPresets.Learn) with { Momentum = 0 };

        // Act
        ArgumentException error = Assert.Throws<ArgumentException>(request.Validate);

        // Assert
        Assert.Contains("Nesterov", error.Message, StringComparison.Ordinal);
    }
}
