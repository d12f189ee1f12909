using ServerlessCovid.Training.Platform;
using ServerlessCovid.Training.Training;
using static TorchSharp.torch;

namespace ServerlessCovid.Training.Tests.Training;

public sealed class TrainingAugmentationTests
{
    private const int Side = 16;

    private static readonly TrainingAugmentation ShiftAndFlip = new() { MaxShiftFraction = 0.25, HorizontalFlip = true };

    public TrainingAugmentationTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void Apply_None_ReturnsTheBatchUnchanged()
    {
        // Arrange
        using var scope = NewDisposeScope();
        Tensor batch = Batch(2);

        // Act
        Tensor augmented = TrainingAugmentation.None.Apply(batch, seed: 1, epoch: 1, step: 0);

        // Assert
        Assert.Same(batch, augmented);
    }

    [Fact]
    public void Apply_ShiftAndFlip_EachImageIsTheOriginalShiftedWithEdgesRepeatedAndPossiblyMirrored()
    {
        // Arrange: distinct values per pixel, so only one shift and mirror can explain each output.
        using var scope = NewDisposeScope();
        Tensor batch = Batch(8);
        float[,,] original = Pixels(batch, 0);

        // Act
        Tensor augmented = ShiftAndFlip.Apply(batch, seed: 3, epoch: 2, step: 5);

        // Assert
        Assert.Equal(batch.shape, augmented.shape);
        for (int i = 0; i < 8; i++)
        {
            Assert.NotNull(Explain(Pixels(augmented, i), Pixels(batch, i)));
        }

        Assert.Equal(original, Pixels(batch, 0));
    }

    [Fact]
    public void Apply_SameSeedEpochAndStep_IsReproducibleAndAnotherStepDiffers()
    {
        // Arrange
        using var scope = NewDisposeScope();
        Tensor batch = Batch(8);

        // Act
        Tensor first = ShiftAndFlip.Apply(batch, seed: 3, epoch: 2, step: 5);
        Tensor again = ShiftAndFlip.Apply(batch, seed: 3, epoch: 2, step: 5);
        Tensor nextStep = ShiftAndFlip.Apply(batch, seed: 3, epoch: 2, step: 6);

        // Assert
        Assert.True(first.equal(again).all().item<bool>());
        Assert.False(first.equal(nextStep).all().item<bool>());
    }

    [Fact]
    public void Apply_ManySteps_ShiftsAreCentredAndSpanTheRangeAndHalfAreMirrored()
    {
        // Arrange
        using var scope = NewDisposeScope();
        Tensor batch = Batch(8);
        int max = (int)(ShiftAndFlip.MaxShiftFraction * Side);
        List<(int Dx, int Dy, bool Flipped)> draws = [];

        // Act
        for (int step = 0; step < 60; step++)
        {
            Tensor augmented = ShiftAndFlip.Apply(batch, seed: 42, epoch: 1, step: step);
            for (int i = 0; i < 8; i++)
            {
                draws.Add(Explain(Pixels(augmented, i), Pixels(batch, i)) ?? throw new Xunit.Sdk.XunitException("unexplained image"));
            }
        }

        // Assert: 480 draws; the bounds are about four standard errors wide.
        Assert.InRange(draws.Count(d => d.Flipped) / (double)draws.Count, 0.41, 0.59);
        Assert.InRange(draws.Average(d => d.Dx), -0.5, 0.5);
        Assert.InRange(draws.Average(d => d.Dy), -0.5, 0.5);
        Assert.Equal(Enumerable.Range(-max, (2 * max) + 1), draws.Select(d => d.Dx).Distinct().Order());
        Assert.Equal(Enumerable.Range(-max, (2 * max) + 1), draws.Select(d => d.Dy).Distinct().Order());
    }

    [Theory]
    [InlineData(-0.01)]
    [InlineData(0.3)]
    [InlineData(double.NaN)]
    public void Validate_ShiftOutsideZeroToAQuarter_Throws(double shift)
    {
        // Arrange
        TrainingAugmentation augmentation = new() { MaxShiftFraction = shift };

        // Act + Assert
        ArgumentException error = Assert.Throws<ArgumentException>(augmentation.Validate);
        Assert.Contains("0.25", error.Message, StringComparison.Ordinal);
    }

    /// <summary>[n, 3, 16, 16] with a different value in every pixel and channel.</summary>
    private static Tensor Batch(int count) => arange(count * 3 * Side * Side, ScalarType.Float32).reshape(count, 3, Side, Side);

    private static float[,,] Pixels(Tensor batch, int index)
    {
        float[] values = batch[index].contiguous().data<float>().ToArray();
        float[,,] pixels = new float[3, Side, Side];
        Buffer.BlockCopy(values, 0, pixels, 0, values.Length * sizeof(float));
        return pixels;
    }

    /// <summary>The shift (source offset) and mirror that turn <paramref name="original"/> into <paramref name="augmented"/>, or null.</summary>
    private static (int Dx, int Dy, bool Flipped)? Explain(float[,,] augmented, float[,,] original)
    {
        int max = (int)(ShiftAndFlip.MaxShiftFraction * Side);
        foreach (bool flipped in new[] { false, true })
        {
            for (int dy = -max; dy <= max; dy++)
            {
                for (int dx = -max; dx <= max; dx++)
                {
                    if (Matches(augmented, original, dx, dy, flipped))
                    {
                        return (dx, dy, flipped);
                    }
                }
            }
        }

        return null;
    }

    private static bool Matches(float[,,] augmented, float[,,] original, int dx, int dy, bool flipped)
    {
        for (int c = 0; c < 3; c++)
        {
            for (int y = 0; y < Side; y++)
            {
                for (int x = 0; x < Side; x++)
                {
                    int sourceX = Math.Clamp((flipped ? Side - 1 - x : x) + dx, 0, Side - 1);
                    int sourceY = Math.Clamp(y + dy, 0, Side - 1);
                    if (augmented[c, y, x] != original[c, sourceY, sourceX])
                    {
                        return false;
                    }
                }
            }
        }

        return true;
    }
}
