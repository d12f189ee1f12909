using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Training;

namespace ServerlessCovid.Training.Tests.Training;

public sealed class ImageFolderDatasetTests
{
    [Fact]
    public void Load_ClassFoldersWithManifest_ReadsLabelsAndPatientIds()
    {
        // Arrange
        using ToyDataset dataset = new(perClass: 4, imagesPerPatient: 2, writeManifest: true);

        // Act
        IReadOnlyList<LabelledImage> images = ImageFolderDataset.Load(dataset.Directory);

        // Assert
        Assert.Equal(8, images.Count);
        Assert.Equal(4, images.Count(i => i.Label == ClassNames.Covid));
        Assert.All(images, i => Assert.NotNull(i.GroupId));
        Assert.Equal(2, images.Where(i => i.Label == ClassNames.Normal).Select(i => i.GroupId).Distinct().Count());
    }

    [Fact]
    public void Load_MissingClassFolder_ThrowsInvalidDatasetNamingIt()
    {
        // Arrange
        using ToyDataset dataset = new(perClass: 2);
        Directory.Delete(Path.Combine(dataset.Directory, ClassNames.Normal), recursive: true);

        // Act
        InvalidDatasetException error = Assert.Throws<InvalidDatasetException>(() => ImageFolderDataset.Load(dataset.Directory));

        // Assert
        Assert.Contains("'normal/'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ManifestWithoutPatientColumn_ThrowsInvalidDataset()
    {
        // Arrange
        using ToyDataset dataset = new(perClass: 2);
        File.WriteAllText(Path.Combine(dataset.Directory, ImageFolderDataset.ManifestFileName), "file,label\ncovid/covid_000.png,covid\n");

        // Act + Assert
        Assert.Throws<InvalidDatasetException>(() => ImageFolderDataset.Load(dataset.Directory));
    }
}
