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
    public void Load_DicomFilesBesidePngs_ListedAndReadByTheTrainingLoader()
    {
        // Arrange: a DICOM in each class next to the PNGs, one of them with an upper-case extension; a text file too.
        using ToyDataset dataset = new(perClass: 2);
        byte[] covid = ServerlessCovid.Testing.Imaging.TestDicomFiles.Covid(32);
        File.WriteAllBytes(Path.Combine(dataset.Directory, ClassNames.Covid, "IM000001.dcm"), covid);
        File.WriteAllBytes(Path.Combine(dataset.Directory, ClassNames.Normal, "IM000002.DCM"), ServerlessCovid.Testing.Imaging.TestDicomFiles.Normal(32));
        File.WriteAllText(Path.Combine(dataset.Directory, ClassNames.Normal, "notes.txt"), "not an image");

        // Act
        IReadOnlyList<LabelledImage> images = ImageFolderDataset.Load(dataset.Directory);
        LabelledImage dicom = Assert.Single(images, i => i.Path.EndsWith("IM000001.dcm", StringComparison.Ordinal));
        float[] tensor = new XrayPreprocessorImageLoader().Load(dicom.Path);

        // Assert
        Assert.Equal(6, images.Count);
        Assert.Equal(ClassNames.Covid, dicom.Label);
        Assert.Contains(images, i => i.Path.EndsWith("IM000002.DCM", StringComparison.Ordinal) && i.Label == ClassNames.Normal);
        Assert.Equal(ServerlessCovid.Core.Imaging.XrayPreprocessor.Default.LoadTensor(covid), tensor);
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
