using ServerlessCovid.Core.Datasets;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Tests.Datasets;

public sealed class DatasetManifestMaskTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("manifest-masks-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void WriteThenRead_EntriesWithMasks_RoundTripsMaskColumns()
    {
        // Arrange
        DatasetManifestEntry[] entries =
        [
            new("covid/a.png", ClassNames.Covid, "synthetic", "a", string.Empty, "k=1", ".masks/lesion/a.png", ".masks/lung/a.png"),
            new("normal/b.png", ClassNames.Normal, "synthetic", "b", string.Empty, "k=2", string.Empty, ".masks/lung/b.png"),
        ];

        // Act
        DatasetManifest.Write(_directory, entries);
        IReadOnlyList<DatasetManifestEntry> read = DatasetManifest.Read(_directory);

        // Assert
        Assert.Equal(entries, read);
        Assert.StartsWith("file,label,source,patient_id,original_path,parameters,lesion_mask,lung_mask\n",
            File.ReadAllText(Path.Combine(_directory, DatasetManifest.FileName)), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ManifestWithoutMaskColumns_LoadsWithEmptyMasks()
    {
        // Arrange: the header every manifest had before the mask columns.
        File.WriteAllText(Path.Combine(_directory, DatasetManifest.FileName),
            "file,label,source,patient_id,original_path,parameters\ncovid/a.png,covid,synthetic,a,,k=1\n");

        // Act
        DatasetManifestEntry entry = Assert.Single(DatasetManifest.Read(_directory));

        // Assert
        Assert.Equal(new DatasetManifestEntry("covid/a.png", ClassNames.Covid, "synthetic", "a", string.Empty, "k=1"), entry);
        Assert.Equal(string.Empty, entry.LesionMask);
        Assert.Equal(string.Empty, entry.LungMask);
    }
}
