using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Training;

namespace ServerlessCovid.Training.Tests.Training;

public sealed class StableSplitTests
{
    private static List<LabelledImage> Images(int perClass, int first = 0, int imagesPerPatient = 1) =>
        [.. ClassNames.InOutputOrder.SelectMany(label => Enumerable.Range(first, perClass)
            .Select(i => new LabelledImage($"/run/{label}/h/{i:D4}.png", label, $"{label}-{i / imagesPerPatient}", $"h/{i:D4}.png")))];

    [Fact]
    public void Stable_DataGrowsByHalf_NoEarlierImageChangesSide()
    {
        // Arrange: 400 images, then 200 more, as retraining sees its labelled store grow.
        List<LabelledImage> before = Images(200);
        List<LabelledImage> after = [.. before, .. Images(100, first: 200)];

        // Act
        DatasetSplit first = DatasetSplitter.Stable(before, 0.3, seed: 42, byGroup: false);
        DatasetSplit second = DatasetSplitter.Stable(after, 0.3, seed: 42, byGroup: false);

        // Assert
        HashSet<string> validationAfter = [.. second.Validation.Select(i => i.Path)];
        Assert.All(first.Validation, i => Assert.Contains(i.Path, validationAfter));
        Assert.DoesNotContain(first.Training, i => validationAfter.Contains(i.Path));
    }

    [Fact]
    public void Stable_ManyImages_EachClassNearTheFraction()
    {
        // Arrange
        List<LabelledImage> images = Images(1000);

        // Act
        DatasetSplit split = DatasetSplitter.Stable(images, 0.3, seed: 7, byGroup: false);

        // Assert: binomial(1000, 0.3) has sd 14.5; 60 is over four of them.
        foreach (string label in ClassNames.InOutputOrder)
        {
            Assert.InRange(split.Validation.Count(i => i.Label == label), 240, 360);
        }
    }

    [Fact]
    public void Stable_KeyNotPath_DecidesTheSide()
    {
        // Arrange: the same x-rays downloaded to another folder by the next run.
        List<LabelledImage> images = Images(50);
        List<LabelledImage> moved = [.. images.Select(i => i with { Path = "/elsewhere" + i.Path })];

        // Act
        DatasetSplit first = DatasetSplitter.Stable(images, 0.3, seed: 3, byGroup: false);
        DatasetSplit second = DatasetSplitter.Stable(moved, 0.3, seed: 3, byGroup: false);

        // Assert
        Assert.Equal(first.Validation.Select(i => i.Key).Order(), second.Validation.Select(i => i.Key).Order());
    }

    [Fact]
    public void Stable_OtherSeed_GivesAnotherSplit()
    {
        // Arrange
        List<LabelledImage> images = Images(50);

        // Act
        DatasetSplit first = DatasetSplitter.Stable(images, 0.3, seed: 3, byGroup: false);
        DatasetSplit second = DatasetSplitter.Stable(images, 0.3, seed: 4, byGroup: false);

        // Assert
        Assert.NotEqual(first.Validation.Select(i => i.Path).Order(), second.Validation.Select(i => i.Path).Order());
    }

    [Theory]
    [InlineData(0.01)]
    [InlineData(0.99)]
    public void Stable_TinyClassesAndExtremeFraction_KeepsOneImagePerClassOnEachSide(double fraction)
    {
        // Arrange: two images per class, where the hash alone would put both on one side.
        List<LabelledImage> images = Images(2);

        // Act
        DatasetSplit split = DatasetSplitter.Stable(images, fraction, seed: 1, byGroup: false);

        // Assert
        foreach (string label in ClassNames.InOutputOrder)
        {
            Assert.Single(split.Validation, i => i.Label == label);
            Assert.Single(split.Training, i => i.Label == label);
        }
    }

    [Fact]
    public void Stable_ByGroup_NeverPutsAPatientOnBothSides()
    {
        // Arrange: 4 images per patient.
        List<LabelledImage> images = Images(80, imagesPerPatient: 4);

        // Act
        DatasetSplit split = DatasetSplitter.Stable(images, 0.3, seed: 5, byGroup: true);

        // Assert
        HashSet<string?> trainingPatients = [.. split.Training.Select(i => i.GroupId)];
        Assert.DoesNotContain(split.Validation, i => trainingPatients.Contains(i.GroupId));
        Assert.Equal(images.Count, split.Training.Count + split.Validation.Count);
    }
}
