using System.Text.Json;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Tests.Storage;
using ServerlessCovid.Testing.Onnx;

namespace ServerlessCovid.Core.Tests.Models;

public sealed class ModelPackageTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sc-package-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void LoadFromDirectory_SavedWithWeights_ReturnsTheSameVerifiedWeights()
    {
        // Arrange
        ModelPackage package = TestModelPackages.WithWeights("v1");

        // Act
        package.SaveToDirectory(_directory);
        ModelPackage loaded = ModelPackage.LoadFromDirectory(_directory);

        // Assert
        Assert.True(File.Exists(Path.Combine(_directory, ModelManifest.WeightsFileName)));
        Assert.Equal(TestModelPackages.Weights, loaded.Weights?.ToArray());
        ModelWeightsInfo weights = Assert.IsType<ModelWeightsInfo>(loaded.Manifest.Weights);
        Assert.Equal(ModelPackage.Sha256Hex(TestModelPackages.Weights), weights.Sha256);
        Assert.Equal("test-format", weights.Format);
        Assert.Equal(3, weights.Architecture.GetProperty("layers").GetInt32());
    }

    [Fact]
    public void LoadFromDirectory_CorruptWeights_ThrowsInvalidModelWeights()
    {
        // Arrange
        TestModelPackages.WithWeights("v1").SaveToDirectory(_directory);
        string path = Path.Combine(_directory, ModelManifest.WeightsFileName);
        byte[] corrupt = File.ReadAllBytes(path);
        corrupt[100] ^= 0xFF;
        File.WriteAllBytes(path, corrupt);

        // Act
        InvalidModelWeightsException error = Assert.Throws<InvalidModelWeightsException>(() => ModelPackage.LoadFromDirectory(_directory));

        // Assert
        Assert.Contains("weights.pt of model v1 has SHA-256", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFromDirectory_WeightsFileMissing_ThrowsInvalidModelWeights()
    {
        TestModelPackages.WithWeights("v1").SaveToDirectory(_directory);
        File.Delete(Path.Combine(_directory, ModelManifest.WeightsFileName));

        InvalidModelWeightsException error = Assert.Throws<InvalidModelWeightsException>(() => ModelPackage.LoadFromDirectory(_directory));

        Assert.Contains("names weights.pt", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFromDirectory_PackageFromBeforeWeights_LoadsWithoutWeights()
    {
        // Arrange: a manifest as older builds wrote it, with no weights field at all.
        TestModelPackages.Create("v0").SaveToDirectory(_directory);
        string manifest = File.ReadAllText(Path.Combine(_directory, ModelManifest.FileName));

        // Act
        ModelPackage loaded = ModelPackage.LoadFromDirectory(_directory);

        // Assert
        Assert.DoesNotContain("\"weights\"", manifest, StringComparison.Ordinal);
        Assert.Null(loaded.Manifest.Weights);
        Assert.Null(loaded.Weights);
        Assert.Equal(TinyOnnxModels.ChannelContrastClassifier(10f), loaded.Onnx.ToArray());
    }

    [Fact]
    public void Create_WeightsWithoutManifestDescription_ThrowsArgumentException()
    {
        ModelManifest manifest = TestModelPackages.Create("v1").Manifest;

        Assert.Throws<ArgumentException>(() => ModelPackage.Create(manifest, TinyOnnxModels.ChannelContrastClassifier(), [1, 2, 3]));
    }

    [Theory]
    [InlineData("../weights.pt")]
    [InlineData("model.onnx")]
    [InlineData("")]
    public void Create_WeightsFileNameOutsideThePackage_ThrowsInvalidModelPackage(string fileName)
    {
        ModelManifest manifest = TestModelPackages.WithWeights("v1").Manifest;

        Assert.Throws<InvalidModelPackageException>(() => ModelPackage.Create(
            manifest with { Weights = manifest.Weights! with { FileName = fileName } }, TinyOnnxModels.ChannelContrastClassifier(), [1, 2, 3]));
    }

    [Fact]
    public void Create_WeightsWithoutArchitectureObject_ThrowsInvalidModelPackage()
    {
        ModelManifest manifest = TestModelPackages.WithWeights("v1").Manifest;

        Assert.Throws<InvalidModelPackageException>(() => ModelPackage.Create(
            manifest with { Weights = manifest.Weights! with { Architecture = JsonSerializer.SerializeToElement("mobile") } },
            TinyOnnxModels.ChannelContrastClassifier(),
            [1, 2, 3]));
    }
}
