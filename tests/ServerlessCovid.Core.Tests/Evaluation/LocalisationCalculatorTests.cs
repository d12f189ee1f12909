using System.Text.Json;
using ServerlessCovid.Core.Evaluation;
using ServerlessCovid.Core.Evaluation.Localisation;
using ServerlessCovid.Core.Evaluation.Report;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Tests.Evaluation;

/// <summary>
/// A 2×2 map with 1 in its top-left cell, upsampled to 4×4 with half-pixel centres, has the separable weights
/// [1, 0.75, 0.25, 0] along each axis; every expected value below follows from them.
/// </summary>
public sealed class LocalisationCalculatorTests
{
    private static readonly ActivationMap CornerMap = new(2, 2, [1f, 0f, 0f, 0f]);

    [Fact]
    public void Upsample_CornerCell_BilinearHalfPixelWeights()
    {
        // Act
        float[] up = LocalisationCalculator.Upsample(CornerMap, 4, 4);

        // Assert
        float[] axis = [1f, 0.75f, 0.25f, 0f];
        for (int y = 0; y < 4; y++)
        {
            for (int x = 0; x < 4; x++)
            {
                Assert.Equal(axis[x] * axis[y], up[(y * 4) + x], 6);
            }
        }
    }

    [Fact]
    public void PointsInside_MaximumInLesionOrElsewhere_HitOrMiss()
    {
        // Arrange
        float[] up = LocalisationCalculator.Upsample(CornerMap, 4, 4);

        // Act
        bool hit = LocalisationCalculator.PointsInside(up, Square(4, 0, 0, 2));
        bool miss = LocalisationCalculator.PointsInside(up, Square(4, 2, 2, 2));

        // Assert
        Assert.True(hit);
        Assert.False(miss);
    }

    [Fact]
    public void EnergyInside_CornerCellAndCornerQuarter_IsSquaredShareOfAxisWeights()
    {
        // Arrange
        float[] up = LocalisationCalculator.Upsample(CornerMap, 4, 4);

        // Act
        double? energy = LocalisationCalculator.EnergyInside(up, Square(4, 0, 0, 2));

        // Assert: (1 + 0.75)² / (1 + 0.75 + 0.25)².
        Assert.Equal(0.765625, energy!.Value, 9);
    }

    [Fact]
    public void EnergyInside_UniformOrNegativeMap_AreaFractionOrUndefined()
    {
        // Arrange
        BinaryMask lesion = Square(4, 1, 1, 3);

        // Act
        double? uniform = LocalisationCalculator.EnergyInside(LocalisationCalculator.Upsample(new ActivationMap(2, 2, [2f, 2f, 2f, 2f]), 4, 4), lesion);
        double? negative = LocalisationCalculator.EnergyInside(LocalisationCalculator.Upsample(new ActivationMap(2, 2, [-1f, -2f, -3f, -4f]), 4, 4), lesion);

        // Assert
        Assert.Equal(9 / 16.0, uniform!.Value, 9);
        Assert.Null(negative);
    }

    [Fact]
    public void Compute_EightHitsInTenTruePositives_WilsonIntervalChanceAndEnergy()
    {
        // Arrange: 8 hits, 2 misses, and one true positive each without masks, with an empty lesion, without a map.
        GroundTruthMasks hitMasks = GroundTruthMasks.From(Square(4, 0, 0, 2), Square(4, 0, 0, 4));
        GroundTruthMasks missMasks = GroundTruthMasks.From(Square(4, 2, 2, 2), Square(4, 0, 0, 4));
        GroundTruthMasks empty = GroundTruthMasks.From(Square(4, 0, 0, 0), Square(4, 0, 0, 4));
        List<LocalisationSample> samples =
        [
            .. Enumerable.Repeat(new LocalisationSample(true, CornerMap, hitMasks), 8),
            .. Enumerable.Repeat(new LocalisationSample(true, CornerMap, missMasks), 2),
            new LocalisationSample(true, CornerMap, null),
            new LocalisationSample(true, CornerMap, empty),
            new LocalisationSample(true, null, hitMasks),
            new LocalisationSample(false, CornerMap, missMasks),
        ];

        // Act
        LocalisationMetrics metrics = LocalisationCalculator.Compute(samples)!;

        // Assert
        Assert.Equal((13, 10, 1, 1, 1), (metrics.TruePositives, metrics.Evaluated, metrics.WithoutMasks, metrics.WithEmptyLesion, metrics.WithoutMap));
        Assert.Equal((8, 10, 0.8), (metrics.PointingGame.Successes, metrics.PointingGame.Trials, metrics.PointingGame.Value));

        // Wilson 95% for 8/10 (e.g. Newcombe 1998): 0.4902 to 0.9433.
        Assert.Equal(0.4902, metrics.PointingGame.Interval!.Lower, 4);
        Assert.Equal(0.9433, metrics.PointingGame.Interval.Upper, 4);
        Assert.Equal(0.25, metrics.ChanceLevel!.Value, 9);
        Assert.Equal(0.25, metrics.EnergyChanceLevel!.Value, 9);

        // Misses keep (0.25)² / 2² = 0.015625 of the mass in the far quarter.
        Assert.Equal(((8 * 0.765625) + (2 * 0.015625)) / 10, metrics.EnergyInsideLesions!.Value, 9);
        Assert.Equal("2x2", metrics.MapGrid);
    }

    [Fact]
    public void Compute_PositionPriorOnEveryFilm_PointingGameMissesButRelativeToNormalsHits()
    {
        // Arrange: every map carries 3 in its top-left cell (a prior the model shows on any film); the true
        // positives add 2 over their lesion in the bottom-right cell, which is still below the prior.
        GroundTruthMasks lesionBottomRight = GroundTruthMasks.From(Square(4, 2, 2, 2), Square(4, 0, 0, 4));
        ActivationMap positive = new(2, 2, [3f, 0f, 0f, 2f]);
        ActivationMap normal = new(2, 2, [3f, 0f, 0f, 0f]);
        List<LocalisationSample> samples =
        [
            .. Enumerable.Repeat(new LocalisationSample(true, positive, lesionBottomRight), 5),
            .. Enumerable.Repeat(new LocalisationSample(false, normal, null, TrueNegative: true), 4),
            new LocalisationSample(false, new ActivationMap(2, 2, [0f, 0f, 0f, 9f]), null),
        ];

        // Act
        LocalisationMetrics metrics = LocalisationCalculator.Compute(samples)!;

        // Assert: the false negative's map stays out of the baseline.
        Assert.Equal(0, metrics.PointingGame.Successes);
        Assert.Equal((5, 5), (metrics.PointingGameRelativeToNormals!.Successes, metrics.PointingGameRelativeToNormals.Trials));
        Assert.Equal(4, metrics.NormalsInBaseline);
        Assert.Contains("relative to the mean map of 4 true negatives, 1.000", metrics.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_NoTrueNegatives_NoRelativeDiagnostic()
    {
        // Act
        LocalisationMetrics metrics = LocalisationCalculator.Compute(
            [new LocalisationSample(true, CornerMap, GroundTruthMasks.From(Square(4, 0, 0, 2), Square(4, 0, 0, 4)))])!;

        // Assert
        Assert.Null(metrics.PointingGameRelativeToNormals);
        Assert.DoesNotContain("Diagnostic", metrics.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void From_TwoLungFields_MidlineHalfwayBetweenTheirOuterEdgesAndLeftLungCounted()
    {
        // Arrange: lungs in columns 0–2 and 5–7 of an 8×4 image.
        bool[] lung = [.. Enumerable.Range(0, 32).Select(i => i % 8 is <= 2 or >= 5)];

        // Act
        GroundTruthMasks masks = GroundTruthMasks.From(new BinaryMask(8, 4, new bool[32]), new BinaryMask(8, 4, lung));

        // Assert
        Assert.Equal(4.0, masks.LungMidline);
        Assert.Equal(12, masks.LungPixelsLeftOfMidline);
    }

    [Fact]
    public void Compute_FindingsInOneLung_LungSideHitsWhereTheMaximumIsOnThatSide()
    {
        // Arrange: lesion in the bottom-left quarter. One map peaks top-left (the right lung, not the lesion), one
        // top-right (the wrong lung).
        GroundTruthMasks bottomLeft = GroundTruthMasks.From(Square(4, 0, 2, 2), Square(4, 0, 0, 4));
        List<LocalisationSample> samples =
        [
            new(true, new ActivationMap(2, 2, [1f, 0f, 0f, 0f]), bottomLeft),
            new(true, new ActivationMap(2, 2, [0f, 1f, 0f, 0f]), bottomLeft),
        ];

        // Act
        LocalisationMetrics metrics = LocalisationCalculator.Compute(samples)!;

        // Assert
        Assert.Equal(0, metrics.PointingGame.Successes);
        Assert.Equal((1, 2), (metrics.LungSidePointingGame!.Successes, metrics.LungSidePointingGame.Trials));
        Assert.Equal(0.5, metrics.LungSideChanceLevel);
        Assert.Contains("Lung side (maximum on the side of the lung with the findings, over 2 true positives with findings in one lung) 0.500", metrics.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_FindingsInBothLungs_NoLungSideGame()
    {
        // Arrange: a lesion across the bottom row, on both sides of the midline.
        GroundTruthMasks bothSides = GroundTruthMasks.From(
            new BinaryMask(4, 4, [.. Enumerable.Range(0, 16).Select(i => i / 4 == 3)]), Square(4, 0, 0, 4));

        // Act
        LocalisationMetrics metrics = LocalisationCalculator.Compute([new LocalisationSample(true, CornerMap, bothSides)])!;

        // Assert
        Assert.Null(metrics.LungSidePointingGame);
        Assert.Null(metrics.LungSideChanceLevel);
        Assert.DoesNotContain("Lung side", metrics.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_NoSampleHasMasks_Null()
    {
        // Act
        LocalisationMetrics? metrics = LocalisationCalculator.Compute([new LocalisationSample(true, CornerMap, null)]);

        // Assert
        Assert.Null(metrics);
    }

    [Fact]
    public void From_LesionAndLungOfDifferentSizes_ThrowsSizeMismatch()
    {
        // Act
        MaskInputException error = Assert.Throws<MaskInputException>(() => GroundTruthMasks.From(Square(4, 0, 0, 2), Square(5, 0, 0, 2)));

        // Assert
        Assert.Equal(MaskErrorCodes.SizeMismatch, error.Code);
    }

    [Fact]
    public async Task WriteAsync_ScoresWithMapsAndMasks_ReportsLocalisationInJsonAndHtml()
    {
        // Arrange: two covid images scored positive (one pointing at its lesion, one not) and two normals.
        string directory = Directory.CreateTempSubdirectory("localisation-report-").FullName;
        try
        {
            GroundTruthMasks hit = GroundTruthMasks.From(Square(4, 0, 0, 2), Square(4, 0, 0, 4));
            GroundTruthMasks miss = GroundTruthMasks.From(Square(4, 2, 2, 2), Square(4, 0, 0, 4));
            ScoredSet scores = ScoredSet.FromLabelNames(
                ClassNames.InOutputOrder, [ClassNames.Covid, ClassNames.Covid, ClassNames.Normal, ClassNames.Normal],
                [[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.1, 0.9]]);
            EvaluationInput input = new(new EvaluatedModel("loc-1", null, ClassNames.Covid, 0.5, "fixed"), "masks", scores)
            {
                ActivationMaps = [CornerMap, CornerMap, CornerMap, CornerMap],
                Masks = [hit, miss, null, null],
            };

            // Act
            EvaluationMetrics metrics = await EvaluationReportWriter.Create(new EvaluationOptions { BootstrapReplicates = 100 })
                .WriteAsync(input, directory);

            // Assert
            using JsonDocument json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(directory, EvaluationReportWriter.MetricsFileName)));
            JsonElement localisation = json.RootElement.GetProperty("localisation");
            Assert.Equal(0.5, localisation.GetProperty("pointingGame").GetProperty("value").GetDouble());
            Assert.Equal(2, localisation.GetProperty("evaluated").GetInt32());
            Assert.Equal(0.25, localisation.GetProperty("chanceLevel").GetDouble(), 9);
            Assert.Equal(metrics.Localisation!.EnergyInsideLesions!.Value, localisation.GetProperty("energyInsideLesions").GetDouble());
            Assert.Equal(0.5, localisation.GetProperty("lungSidePointingGame").GetProperty("value").GetDouble());
            Assert.Equal(0.5, localisation.GetProperty("lungSideChanceLevel").GetDouble(), 9);
            string html = await File.ReadAllTextAsync(Path.Combine(directory, EvaluationReportWriter.HtmlFileName));
            Assert.Contains("Where the evidence is, against ground-truth lesions", html, StringComparison.Ordinal);
            Assert.Contains("shortcuts", html, StringComparison.Ordinal);
            Assert.Contains("Lung-side pointing game", html, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>A size×size mask with a side×side square at (left, top).</summary>
    private static BinaryMask Square(int size, int left, int top, int side)
    {
        bool[] inside = new bool[size * size];
        for (int y = top; y < top + side; y++)
        {
            for (int x = left; x < left + side; x++)
            {
                inside[(y * size) + x] = true;
            }
        }

        return new BinaryMask(size, size, inside);
    }
}
