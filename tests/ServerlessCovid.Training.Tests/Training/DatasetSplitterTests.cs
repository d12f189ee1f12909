using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Training;

namespace ServerlessCovid.Training.Tests.Training;

public sealed class DatasetSplitterTests
{
    private static List<LabelledImage> Images(int perClass, int imagesPerPatient = 1) =>
        [.. ClassNames.InOutputOrder.SelectMany(label => Enumerable.Range(0, perClass)
            .Select(i => new LabelledImage($"/data/{label}/{i:D3}.png", label, $"{label}-{i / imagesPerPatient}")))];

    [Fact]
    public void Stratified_PaperDataset_IsExactly70To30PerClass()
    {
        // Arrange
        List<LabelledImage> images = Images(120);

        // Act
        DatasetSplit split = DatasetSplitter.Stratified(images, 0.3, seed: 7);

        // Assert
        Assert.Equal(168, split.Training.Count);
        Assert.Equal(72, split.Validation.Count);
        Assert.Equal(36, split.Validation.Count(i => i.Label == ClassNames.Covid));
        Assert.Equal(36, split.Validation.Count(i => i.Label == ClassNames.Normal));
        Assert.Empty(split.Training.Select(i => i.Path).Intersect(split.Validation.Select(i => i.Path)));
    }

    [Fact]
    public void Stratified_SameSeedAnyInputOrder_GivesTheSameSplit()
    {
        // Arrange
        List<LabelledImage> images = Images(50);
        List<LabelledImage> reversed = [.. Enumerable.Reverse(images)];

        // Act
        DatasetSplit first = DatasetSplitter.Stratified(images, 0.3, seed: 3);
        DatasetSplit second = DatasetSplitter.Stratified(reversed, 0.3, seed: 3);
        DatasetSplit otherSeed = DatasetSplitter.Stratified(images, 0.3, seed: 4);

        // Assert
        Assert.Equal(first.Validation.Select(i => i.Path).Order(), second.Validation.Select(i => i.Path).Order());
        Assert.NotEqual(first.Validation.Select(i => i.Path).Order(), otherSeed.Validation.Select(i => i.Path).Order());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    public void ByGroup_PatientsWithSeveralImages_NeverPutsAPatientOnBothSides(int seed)
    {
        // Arrange: 60 images per class, 4 images per patient.
        List<LabelledImage> images = Images(60, imagesPerPatient: 4);

        // Act
        DatasetSplit split = DatasetSplitter.ByGroup(images, 0.3, seed);

        // Assert
        HashSet<string?> trainingPatients = [.. split.Training.Select(i => i.GroupId)];
        Assert.DoesNotContain(split.Validation, i => trainingPatients.Contains(i.GroupId));
        Assert.Equal(images.Count, split.Training.Count + split.Validation.Count);
        Assert.InRange(split.Validation.Count(i => i.Label == ClassNames.Covid), 16, 20);
        Assert.Equal(DatasetSplitter.GroupMethod, split.Method);
    }

    [Fact]
    public void ByGroup_ImageWithoutPatientId_ThrowsInvalidDatasetNamingTheFile()
    {
        // Arrange
        List<LabelledImage> images = Images(10);
        images[3] = images[3] with { GroupId = null };

        // Act
        InvalidDatasetException error = Assert.Throws<InvalidDatasetException>(() => DatasetSplitter.ByGroup(images, 0.3, 1));

        // Assert
        Assert.Contains(images[3].Path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Stratified_OneImageOfAClass_ThrowsInvalidDataset()
    {
        // Arrange
        List<LabelledImage> images = [.. Images(10).Where(i => i.Label == ClassNames.Normal), new LabelledImage("/c.png", ClassNames.Covid)];

        // Act + Assert
        Assert.Throws<InvalidDatasetException>(() => DatasetSplitter.Stratified(images, 0.3, 1));
    }
}
