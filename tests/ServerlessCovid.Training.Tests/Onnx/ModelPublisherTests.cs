using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Models;
using ServerlessCovid.Training.Onnx;
using ServerlessCovid.Training.Platform;
using ServerlessCovid.Training.Tests.Training;
using ServerlessCovid.Training.Training;

namespace ServerlessCovid.Training.Tests.Onnx;

public sealed class ModelPublisherTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sc-publish-" + Guid.NewGuid().ToString("N"));

    public ModelPublisherTests() => TorchRuntime.EnsureInitialized();

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task Publish_TrainedTinyModel_WritesAPackageThatScoresAndRestoresTheNetwork()
    {
        // Arrange
        using ToyDataset dataset = new(perClass: 12, seed: 4);
        using TrainingOutcome outcome = await TrainerTests.NewTrainer().TrainAsync(
            TrainerTests.TinyRequest(dataset.Images, epochs: 3), Path.Combine(_root, "checkpoint"));
        string packageDirectory = Path.Combine(_root, "model");

        // Act
        new ModelPublisher(new XrayPreprocessorImageLoader()).Publish(outcome, "test-1", packageDirectory);

        // Assert: the package verifies, records parity and the training run, scores real images, and its weights
        // rebuild the very network that was trained.
        ModelPackage package = ModelPackage.LoadFromDirectory(packageDirectory);
        ModelManifest manifest = package.Manifest;
        Assert.Equal(ClassNames.InOutputOrder, manifest.ClassNames);
        Assert.Equal(Preprocessing.RgbStretchUnit256, manifest.PreprocessingId);
        Assert.True(manifest.Parity!.Passed);
        Assert.Equal(outcome.Split.Validation.Count + 4, manifest.Parity.InputsCompared);
        Assert.InRange(manifest.OperatingThreshold, 0, 1);
        Assert.Equal(3, manifest.Training!.Epochs);
        Assert.Equal(outcome.Split.Validation.Count, manifest.Evaluation!.Samples);

        InferenceOptions inference = new() { ExecutionProvider = ExecutionProviderPreference.Cpu };
        using OnnxXrayClassifier classifier = new(
            new OnnxSessionFactory(Options.Create(inference), NullLogger<OnnxSessionFactory>.Instance),
            XrayPreprocessor.Default,
            Options.Create(inference),
            NullLogger<OnnxXrayClassifier>.Instance);
        classifier.Activate(package);
        TriagePrediction prediction = await classifier.ScoreAsync(await File.ReadAllBytesAsync(outcome.Split.Validation[0].Path));
        Assert.Equal("test-1", prediction.ModelVersion);
        Assert.Equal(1.0, prediction.Probabilities.Values.Sum(), 4);
        Assert.Contains(prediction.Label, ClassNames.InOutputOrder);

        ModelWeightsInfo weights = Assert.IsType<ModelWeightsInfo>(manifest.Weights);
        Assert.Equal(PackageWeights.Format, weights.Format);
        Assert.Equal(NasNetConfig.Tiny(), PackageWeights.ReadArchitecture(weights));
        InitialWeights initial = InitialWeights.FromPackageDirectory(packageDirectory);
        using NasNet restored = NasNet.Create(initial.Architecture);
        initial.LoadInto(restored);
        Assert.Equal("model test-1", initial.Source);
        // Same weights; the trained model is channels-last, so kernels (and rounding) differ: the publisher's parity bound.
        Assert.InRange(InitialWeightsTests.MaxDifference(outcome.Model, restored), 0.0, 1e-4);
    }

    [Fact]
    public async Task PublishCheckpoint_CheckpointFolder_ExportsTheSameModel()
    {
        // Arrange
        using ToyDataset dataset = new(perClass: 6, seed: 8);
        string checkpoint = Path.Combine(_root, "checkpoint");
        (await TrainerTests.NewTrainer().TrainAsync(TrainerTests.TinyRequest(dataset.Images, epochs: 1), checkpoint)).Dispose();

        // Act
        PublishResult result = new ModelPublisher(new XrayPreprocessorImageLoader())
            .PublishCheckpoint(checkpoint, "from-checkpoint", Path.Combine(_root, "export"), out int missing);

        // Assert
        Assert.Equal(0, missing);
        Assert.True(result.Package.Manifest.Parity!.Passed);
        Assert.Equal(TrainingPresets.Tiny, result.Package.Manifest.Training!.Preset);
    }
}
