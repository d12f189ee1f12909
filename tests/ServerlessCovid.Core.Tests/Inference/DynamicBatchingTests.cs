using ServerlessCovid.Core.Explainability;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Tests.Inference;

/// <summary>
/// Dynamic batching of concurrent <see cref="OnnxXrayClassifier.ScoreAsync"/> calls. The windows are long (1 s) and
/// each batch's size limit equals the callers expected in it, so a batch closes when its last caller arrives: the
/// assertions count runs and compare scores, never time.
/// </summary>
public sealed class DynamicBatchingTests
{
    private const double LongWindowMs = 1000;

    /// <summary>Images of different red/green mixes, so a row mix-up inside a batch would show in the scores.</summary>
    private static readonly byte[][] Mixes = [.. Enumerable.Range(0, 8).Select(i => TestModels.SolidPng((byte)(i * 32), (byte)(255 - (i * 32)), 0))];

    [Fact]
    public async Task ScoreAsync_ConcurrentCallers_FewerRunsAndSameScoresAsUnbatched()
    {
        // Arrange
        using OnnxXrayClassifier unbatched = TestModels.Classifier(batchWindowMilliseconds: 0);
        using OnnxXrayClassifier batched = TestModels.Classifier(maxBatchSize: Mixes.Length, batchWindowMilliseconds: LongWindowMs);
        ModelPackage package = TestModels.Package("v1", scale: 3);
        unbatched.Activate(package);
        batched.Activate(package);
        TriagePrediction[] expected = [.. await Task.WhenAll(Mixes.Select(image => unbatched.ScoreAsync(image)))];

        // Act
        TriagePrediction[] actual = await Task.WhenAll(Mixes.Select(image => Task.Run(() => batched.ScoreAsync(image))));

        // Assert
        Assert.Equal(Mixes.Length, unbatched.RunCount);
        Assert.InRange(batched.RunCount, 1, Mixes.Length - 1);
        for (int i = 0; i < Mixes.Length; i++)
        {
            Assert.Equal(expected[i].Label, actual[i].Label);
            Assert.Equal(expected[i].Probabilities[ClassNames.Covid], actual[i].Probabilities[ClassNames.Covid], 1e-5);
            Assert.Equal(expected[i].Probabilities[ClassNames.Normal], actual[i].Probabilities[ClassNames.Normal], 1e-5);
        }
    }

    [Fact]
    public async Task ScoreAsync_BadImageAmongConcurrentCallers_FailsAloneOthersScoredInOneRun()
    {
        // Arrange
        using OnnxXrayClassifier classifier = TestModels.Classifier(maxBatchSize: 3, batchWindowMilliseconds: LongWindowMs);
        classifier.Activate(TestModels.Package("v1"));

        // Act
        Task<TriagePrediction> red = classifier.ScoreAsync(TestModels.SolidPng(255, 0, 0));
        Task<TriagePrediction> bad = classifier.ScoreAsync("not an image"u8.ToArray());
        Task<TriagePrediction> green = classifier.ScoreAsync(TestModels.SolidPng(0, 255, 0));
        Task<TriagePrediction> red2 = classifier.ScoreAsync(TestModels.SolidPng(250, 0, 0));

        // Assert
        ImageRejectedException rejected = await Assert.ThrowsAsync<ImageRejectedException>(() => bad);
        Assert.Equal(ImageErrorCodes.UnsupportedFormat, rejected.Code);
        Assert.Equal(
            [ClassNames.Covid, ClassNames.Normal, ClassNames.Covid],
            (await Task.WhenAll(red, green, red2)).Select(p => p.Label));
        Assert.Equal(1, classifier.RunCount);
    }

    [Fact]
    public async Task ScoreAsync_OneCallerCancelledWhileQueued_OthersStillScored()
    {
        // Arrange
        using OnnxXrayClassifier classifier = TestModels.Classifier(maxBatchSize: 3, batchWindowMilliseconds: LongWindowMs);
        classifier.Activate(TestModels.Package("v1"));
        using CancellationTokenSource gaveUp = new();

        // Act: the cancelled caller is queued in the open batch when it gives up; the batch fills without it.
        Task<TriagePrediction> cancelled = classifier.ScoreAsync(Mixes[0], gaveUp.Token);
        Task<TriagePrediction> first = classifier.ScoreAsync(Mixes[1]);
        await gaveUp.CancelAsync();
        Task<TriagePrediction> second = classifier.ScoreAsync(Mixes[2]);
        Task<TriagePrediction> third = classifier.ScoreAsync(Mixes[3]);

        // Assert
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        TriagePrediction[] others = await Task.WhenAll(first, second, third);
        Assert.All(others, p => Assert.Equal("v1", p.ModelVersion));
        Assert.Equal(1, classifier.RunCount);
    }

    [Fact]
    public async Task ScoreAsync_ModelSwappedWhileCallsQueued_EachBatchScoredByTheVersionItsCallsStartedOn()
    {
        // Arrange: v1 and v2 give different probabilities for the same image.
        using OnnxXrayClassifier classifier = TestModels.Classifier(maxBatchSize: 2, batchWindowMilliseconds: LongWindowMs);
        classifier.Activate(TestModels.Package("v1", scale: 10));
        List<string> disposed = [];
        classifier.SessionDisposed = version => { lock (disposed) { disposed.Add(version); } };
        byte[] red = TestModels.SolidPng(255, 0, 0);

        // Act
        Task<TriagePrediction> before = classifier.ScoreAsync(red);
        classifier.Activate(TestModels.Package("v2", scale: 2));
        Task<TriagePrediction>[] after = [classifier.ScoreAsync(red), classifier.ScoreAsync(red)];
        TriagePrediction old = await before;
        TriagePrediction[] current = await Task.WhenAll(after);

        // Assert: the v1 call ran alone (after its window) on v1; the two v2 calls shared one run.
        Assert.Equal("v1", old.ModelVersion);
        Assert.Equal(TestModels.RedProbability(10), old.Probabilities[ClassNames.Covid], 1e-5);
        Assert.All(current, p =>
        {
            Assert.Equal("v2", p.ModelVersion);
            Assert.Equal(TestModels.RedProbability(2), p.Probabilities[ClassNames.Covid], 1e-5);
        });
        Assert.Equal(2, classifier.RunCount);
        Assert.Contains("v1", disposed);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(LongWindowMs)]
    public async Task ScoreAsync_ModelWithCam_EachCallerGetsItsOwnMapAndTheGreyPlaneItWasScoredOn(double windowMs)
    {
        // Arrange
        using OnnxXrayClassifier classifier = TestModels.Classifier(maxBatchSize: 2, batchWindowMilliseconds: windowMs);
        classifier.Activate(TestModels.PackageWithCam("cam", 3));
        byte[] red = TestModels.SolidPng(255, 0, 0);
        byte[] green = TestModels.SolidPng(0, 255, 0);

        // Act
        TriagePrediction[] predictions = await Task.WhenAll(classifier.ScoreAsync(red), classifier.ScoreAsync(green));

        // Assert: the served map is covid's minus normal's, so +3 everywhere for red and -3 for green; each grey plane
        // is its own image's.
        Assert.All(predictions[0].ActivationMap!.Values, v => Assert.Equal(3f, v, 1e-4f));
        Assert.All(predictions[1].ActivationMap!.Values, v => Assert.Equal(-3f, v, 1e-4f));
        Assert.Equal(HeatMapOverlay.GreyPlane(XrayPreprocessor.Default.LoadTensor(red)), predictions[0].InputGrey);
        Assert.Equal(HeatMapOverlay.GreyPlane(XrayPreprocessor.Default.LoadTensor(green)), predictions[1].InputGrey);
        Assert.Equal(windowMs > 0 ? 1 : 2, classifier.RunCount);
    }

    [Theory]
    [InlineData(null, "CPU", 0)]
    [InlineData(null, "CUDA", InferenceOptions.CudaBatchWindowMilliseconds)]
    [InlineData(5.0, "CPU", 5)]
    [InlineData(0.0, "CUDA", 0)]
    public void BatchWindowFor_SettingAndProvider_ProviderDefaultUnlessSet(double? setting, string provider, double expectedMs)
    {
        // Arrange
        InferenceOptions options = new() { BatchWindowMilliseconds = setting };

        // Act
        TimeSpan window = options.BatchWindowFor(provider);

        // Assert
        Assert.Equal(expectedMs, window.TotalMilliseconds);
    }
}
