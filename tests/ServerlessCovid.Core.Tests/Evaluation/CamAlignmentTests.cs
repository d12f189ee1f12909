using ServerlessCovid.Core.Evaluation.Localisation;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Tests.Inference;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Core.Tests.Evaluation;

/// <summary>
/// Does a map cell land on the image region it covers? Masks here are non-square (300 wide, 260 high), so a
/// transposed map, a flipped axis or an off-by-one cell would move a peak onto another cell's mask.
/// </summary>
public sealed class CamAlignmentTests
{
    private const int Cells = 8;
    private const int MaskWidth = 300;
    private const int MaskHeight = 260;

    public static TheoryData<int, int> Cells_AtCornersEdgesAndInside => new()
    {
        { 0, 0 }, { 7, 0 }, { 0, 7 }, { 7, 7 }, { 6, 1 }, { 1, 6 }, { 3, 4 }, { 5, 2 },
    };

    [Fact]
    public void PointsInside_PeakOnEveryCell_LandsInThatCellsRegionOnly()
    {
        // Arrange
        int misplaced = 0;
        List<string> failures = [];
        for (int row = 0; row < Cells; row++)
        {
            for (int column = 0; column < Cells; column++)
            {
                float[] upsampled = LocalisationCalculator.Upsample(Peaked(column, row), MaskWidth, MaskHeight);

                // Act
                bool own = LocalisationCalculator.PointsInside(upsampled, CellMask(column, row));
                bool transposed = column != row && LocalisationCalculator.PointsInside(upsampled, CellMask(row, column));
                bool mirrored = LocalisationCalculator.PointsInside(upsampled, CellMask(Cells - 1 - column, row)) && column != Cells - 1 - column;

                if (!own || transposed || mirrored)
                {
                    misplaced++;
                    failures.Add($"({column},{row}) own {own} transposed {transposed} mirrored {mirrored}");
                }
            }
        }

        // Assert
        Assert.True(misplaced == 0, string.Join("; ", failures));
    }

    [Theory]
    [MemberData(nameof(Cells_AtCornersEdgesAndInside))]
    public async Task ScoreAsync_RedBlockInNonSquareImage_MapPeakFallsInMaskOfThatBlock(int column, int row)
    {
        // Arrange: a 300×260 image, black but for the region one 8×8 cell covers, stretched to 256² by the
        // preprocessor; the test graph's covid map at a cell is that cell's mean red minus its mean green.
        using OnnxXrayClassifier classifier = TestModels.Classifier();
        classifier.Activate(TestModels.PackageWithCam("cam", 3f));
        BinaryMask lesion = CellMask(column, row);
        byte[] image = RedInside(lesion);

        // Act
        TriagePrediction prediction = await classifier.ScoreAsync(image);
        ActivationMap map = Assert.IsType<ActivationMap>(prediction.ActivationMap);
        float[] upsampled = LocalisationCalculator.Upsample(map, MaskWidth, MaskHeight);

        // Assert
        Assert.True(LocalisationCalculator.PointsInside(upsampled, lesion), $"peak of cell ({column},{row}) missed its own block");
        if (column != row)
        {
            Assert.False(LocalisationCalculator.PointsInside(upsampled, CellMask(row, column)), "a transposed map would land here");
        }

        Assert.True(LocalisationCalculator.EnergyInside(upsampled, lesion) > 1.5 * lesion.Count / (double)(MaskWidth * MaskHeight),
            "the map's mass must concentrate on the block");
    }

    private static ActivationMap Peaked(int column, int row)
    {
        float[] values = new float[Cells * Cells];
        values[(row * Cells) + column] = 1f;
        return new ActivationMap(Cells, Cells, values);
    }

    /// <summary>The pixels of a <see cref="MaskWidth"/> × <see cref="MaskHeight"/> image that cell (column, row) covers.</summary>
    private static BinaryMask CellMask(int column, int row)
    {
        bool[] inside = new bool[MaskWidth * MaskHeight];
        for (int y = 0; y < MaskHeight; y++)
        {
            for (int x = 0; x < MaskWidth; x++)
            {
                inside[(y * MaskWidth) + x] = x * Cells / MaskWidth == column && y * Cells / MaskHeight == row;
            }
        }

        return new BinaryMask(MaskWidth, MaskHeight, inside);
    }

    private static byte[] RedInside(BinaryMask mask)
    {
        using Image<Rgb24> image = new(mask.Width, mask.Height);
        for (int y = 0; y < mask.Height; y++)
        {
            for (int x = 0; x < mask.Width; x++)
            {
                image[x, y] = mask[x, y] ? new Rgb24(255, 0, 0) : new Rgb24(0, 0, 0);
            }
        }

        return Imaging.TestImages.Encode(image, new PngEncoder());
    }
}
