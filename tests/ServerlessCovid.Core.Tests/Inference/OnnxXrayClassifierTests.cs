using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Tests.Inference;

public sealed class OnnxXrayClassifierTests
{
    private static readonly byte[] Red = TestModels.SolidPng(255, 0, 0);
    private static readonly byte[] Green = TestModels.SolidPng(0, 255, 0);

    [Fact]
    public async Task ScoreAsync_BeforeAnyModel_ThrowsModelUnavailable()
    {
        // Arrange
        using OnnxXrayClassifier classifier = TestModels.Classifier();

        // Act
        Task Score() => classifier.ScoreAsync(Red);

        // Assert
        await Assert.ThrowsAsync<ModelUnavailableException>(Score);
        Assert.Null(classifier.CurrentModel);
    }

    [Fact]
    public async Task ScoreAsync_RedImage_PositiveWithEverythingNeededToAudit()
    {
        // Arrange
        using OnnxXrayClassifier classifier = TestModels.Classifier();
        ModelPackage package = TestModels.Package("v1");
        classifier.Activate(package);

        // Act
        TriagePrediction prediction = await classifier.ScoreAsync(Red);

        // Assert
        Assert.Equal(ClassNames.Covid, prediction.Label);
        Assert.Equal(TestModels.RedProbability(10), prediction.Probabilities[ClassNames.Covid], 5);
        Assert.Equal(1 - TestModels.RedProbability(10), prediction.Probabilities[ClassNames.Normal], 5);
        Assert.Equal((ClassNames.Covid, 0.5), (prediction.PositiveClass, prediction.Threshold));
        Assert.Equal(("v1", package.Manifest.OnnxSha256), (prediction.ModelVersion, prediction.ModelSha256));
        Assert.Equal(Preprocessing.RgbStretchUnit256, prediction.PreprocessingId);
        Assert.Equal(("png", 64, 48, (long)Red.Length), (prediction.Image.Format, prediction.Image.Width, prediction.Image.Height, prediction.Image.Bytes));
        Assert.True(prediction.Timings.DecodeMs > 0 && prediction.Timings.PreprocessMs > 0 && prediction.Timings.InferenceMs > 0);
        Assert.Equal("CPU", classifier.ExecutionProvider);
    }

    [Fact]
    public async Task ScoreAsync_ThresholdAbovePositiveProbability_LabelsNormalDespiteArgmax()
    {
        // Arrange: P(covid) = 0.99995 is the argmax, but this model's calibrated threshold is 0.99999.
        using OnnxXrayClassifier classifier = TestModels.Classifier();
        classifier.Activate(TestModels.Package("strict", threshold: 0.99999));

        // Act
        TriagePrediction prediction = await classifier.ScoreAsync(Red);

        // Assert
        Assert.True(prediction.Probabilities[ClassNames.Covid] > prediction.Probabilities[ClassNames.Normal]);
        Assert.Equal(ClassNames.Normal, prediction.Label);
        Assert.Equal(0.99999, prediction.Threshold);
    }

    [Fact]
    public async Task ScoreAsync_UnreadableImage_ThrowsImageRejected()
    {
        // Arrange
        using OnnxXrayClassifier classifier = TestModels.Classifier();
        classifier.Activate(TestModels.Package("v1"));

        // Act
        ImageRejectedException error = await Assert.ThrowsAsync<ImageRejectedException>(
            () => classifier.ScoreAsync("not an image"u8.ToArray()));

        // Assert
        Assert.Equal(ImageErrorCodes.UnsupportedFormat, error.Code);
    }

    [Fact]
    public async Task ScoreAsync_CancelledToken_ThrowsOperationCanceled()
    {
        // Arrange
        using OnnxXrayClassifier classifier = TestModels.Classifier();
        classifier.Activate(TestModels.Package("v1"));
        using CancellationTokenSource cancelled = new();
        await cancelled.CancelAsync();

        // Act
        Task Score() => classifier.ScoreAsync(Red, cancelled.Token);

        // Assert
        await Assert.ThrowsAnyAsync<OperationCanceledException>(Score);
    }

    [Fact]
    public async Task ScoreBatchAsync_MixedGoodAndBadImages_BadOnesFailAloneInOrder()
    {
        // Arrange
        using OnnxXrayClassifier classifier = TestModels.Classifier();
        classifier.Activate(TestModels.Package("v1"));
        ReadOnlyMemory<byte>[] images = [Red, "garbage"u8.ToArray(), Green, Array.Empty<byte>(), Red];
        TriagePrediction single = await classifier.ScoreAsync(Red);

        // Act
        IReadOnlyList<BatchItemResult> results = await classifier.ScoreBatchAsync(images);

        // Assert
        Assert.Equal(5, results.Count);
        Assert.Equal(ClassNames.Covid, results[0].Prediction!.Label);
        Assert.Equal((ImageErrorCodes.UnsupportedFormat, false), (results[1].ErrorCode, results[1].Succeeded));
        Assert.Equal(ClassNames.Normal, results[2].Prediction!.Label);
        Assert.Equal(ImageErrorCodes.Empty, results[3].ErrorCode);
        Assert.False(string.IsNullOrWhiteSpace(results[3].ErrorReason));
        Assert.Equal(single.Probabilities[ClassNames.Covid], results[4].Prediction!.Probabilities[ClassNames.Covid], 6);
    }

    [Fact]
    public async Task ScoreBatchAsync_MoreImagesThanMaxBatchSize_SplitsAndKeepsOrder()
    {
        // Arrange
        using OnnxXrayClassifier classifier = TestModels.Classifier(maxBatchSize: 2);
        classifier.Activate(TestModels.Package("v1"));
        ReadOnlyMemory<byte>[] images = [Red, Green, Red, Green, Red];

        // Act
        IReadOnlyList<BatchItemResult> results = await classifier.ScoreBatchAsync(images);

        // Assert
        Assert.Equal(
            [ClassNames.Covid, ClassNames.Normal, ClassNames.Covid, ClassNames.Normal, ClassNames.Covid],
            results.Select(r => r.Prediction!.Label));
    }

    [Fact]
    public async Task ScoreBatchAsync_ChunkOfOnlyRejectsBetweenGoodChunks_EveryResultInItsPlace()
    {
        // Arrange: chunks of 2 are decoded one ahead of the Run; the second chunk has nothing to score.
        using OnnxXrayClassifier classifier = TestModels.Classifier(maxBatchSize: 2);
        classifier.Activate(TestModels.Package("v1"));
        byte[] text = "not an image"u8.ToArray();
        ReadOnlyMemory<byte>[] images = [Red, Green, text, Array.Empty<byte>(), Green, text, Red];

        // Act
        IReadOnlyList<BatchItemResult> results = await classifier.ScoreBatchAsync(images);

        // Assert
        Assert.Equal(
            [ClassNames.Covid, ClassNames.Normal, ImageErrorCodes.UnsupportedFormat, ImageErrorCodes.Empty, ClassNames.Normal, ImageErrorCodes.UnsupportedFormat, ClassNames.Covid],
            results.Select(r => r.Prediction?.Label ?? r.ErrorCode));
    }

    [Fact]
    public async Task ScoreBatchAsync_CancelledToken_ThrowsOperationCanceled()
    {
        // Arrange
        using OnnxXrayClassifier classifier = TestModels.Classifier(maxBatchSize: 1);
        classifier.Activate(TestModels.Package("v1"));
        using CancellationTokenSource cancellation = new();
        await cancellation.CancelAsync();

        // Act + Assert
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => classifier.ScoreBatchAsync([Red, Green, Red], cancellation.Token));
    }

    [Fact]
    public void Activate_SameVersionAndSha_KeepsTheExistingSession()
    {
        // Arrange
        using OnnxXrayClassifier classifier = TestModels.Classifier();
        List<string> disposed = [];
        classifier.SessionDisposed = disposed.Add;
        classifier.Activate(TestModels.Package("v1"));
        LoadedModel before = classifier.Acquire();
        before.Release();

        // Act
        classifier.Activate(TestModels.Package("v1"));

        // Assert
        LoadedModel after = classifier.Acquire();
        after.Release();
        Assert.Same(before, after);
        Assert.Empty(disposed);
    }

    [Fact]
    public async Task Activate_ManifestNamesAnInputTheGraphLacks_RefusesAndKeepsServingTheOldModel()
    {
        // Arrange
        using OnnxXrayClassifier classifier = TestModels.Classifier();
        classifier.Activate(TestModels.Package("v1"));
        ModelPackage mislabelled = TestModels.Package("v2", edit: m => m with { InputName = "input_1" });

        // Act
        InvalidModelPackageException error = Assert.Throws<InvalidModelPackageException>(() => classifier.Activate(mislabelled));

        // Assert
        Assert.Contains("'input_1'", error.Message, StringComparison.Ordinal);
        Assert.Contains("[image]", error.Message, StringComparison.Ordinal);
        Assert.Equal("v1", (await classifier.ScoreAsync(Red)).ModelVersion);
    }

    [Fact]
    public void Activate_ManifestListsMoreClassesThanTheOutputHas_Refuses()
    {
        // Arrange: the graph's output is [N, 2]; the manifest claims three classes.
        using OnnxXrayClassifier classifier = TestModels.Classifier();
        ModelPackage mislabelled = TestModels.Package("v3", edit: m => m with { ClassNames = [ClassNames.Covid, ClassNames.Normal, "pneumonia"] });

        // Act
        InvalidModelPackageException error = Assert.Throws<InvalidModelPackageException>(() => classifier.Activate(mislabelled));

        // Assert
        Assert.Contains("3 classes", error.Message, StringComparison.Ordinal);
        Assert.Null(classifier.CurrentModel);
    }

    [Fact]
    public void Activate_WhileACallHoldsTheOldModel_DisposesItOnlyWhenThatCallReleases()
    {
        // Arrange
        using OnnxXrayClassifier classifier = TestModels.Classifier();
        ConcurrentQueue<string> disposed = new();
        classifier.SessionDisposed = disposed.Enqueue;
        classifier.Activate(TestModels.Package("v1", scale: 1));
        LoadedModel inFlight = classifier.Acquire();

        // Act
        classifier.Activate(TestModels.Package("v2", scale: 2));
        bool disposedWhileInUse = !disposed.IsEmpty;
        inFlight.Release();

        // Assert
        Assert.False(disposedWhileInUse);
        Assert.Equal(["v1"], disposed);
        Assert.Equal("v2", classifier.CurrentModel!.Version);
    }

    [Fact]
    public async Task ScoreAsync_ManyParallelCallsDuringHotSwaps_AllSucceedEachWithTheVersionThatScoredIt()
    {
        // Arrange: version vN has scale N, so the probability itself proves which session scored each call.
        // Workers and the swapper run on dedicated threads so thread-pool starvation cannot serialise them.
        using OnnxXrayClassifier classifier = TestModels.Classifier();
        ConcurrentQueue<string> disposed = new();
        classifier.SessionDisposed = disposed.Enqueue;
        ModelPackage[] packages = [.. Enumerable.Range(1, 6).Select(v => TestModels.Package($"v{v}", scale: v))];
        classifier.Activate(packages[0]);
        ConcurrentBag<TriagePrediction> predictions = [];
        ConcurrentBag<Exception> failures = [];
        const int Workers = 8;
        const int CallsPerWorker = 30;
        int finishedWorkers = 0;

        // Act: swap to the next version each time another 40 predictions have come back.
        Task swapper = Task.Factory.StartNew(
            () =>
            {
                for (int next = 1; next < packages.Length; next++)
                {
                    SpinWait.SpinUntil(() => predictions.Count >= next * 40 || Volatile.Read(ref finishedWorkers) == Workers);
                    classifier.Activate(packages[next]);
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        Task[] workers = [.. Enumerable.Range(0, Workers).Select(worker => Task.Factory.StartNew(
            async () =>
            {
                for (int call = 0; call < CallsPerWorker; call++)
                {
                    try
                    {
                        if (worker % 4 == 0)
                        {
                            foreach (BatchItemResult item in await classifier.ScoreBatchAsync([Red, Red, Red]))
                            {
                                predictions.Add(item.Prediction!);
                            }
                        }
                        else
                        {
                            predictions.Add(await classifier.ScoreAsync(Red));
                        }
                    }
                    catch (Exception ex)
                    {
                        failures.Add(ex);
                    }
                }

                Interlocked.Increment(ref finishedWorkers);
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default).Unwrap())];
        await Task.WhenAll([swapper, .. workers]);

        // Assert
        Assert.Empty(failures);
        Assert.Equal((6 * CallsPerWorker) + (2 * CallsPerWorker * 3), predictions.Count);
        Assert.All(predictions, p =>
        {
            float scale = int.Parse(p.ModelVersion.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(TestModels.RedProbability(scale), p.Probabilities[ClassNames.Covid], 5);
            Assert.Equal(packages[(int)scale - 1].Manifest.OnnxSha256, p.ModelSha256);
        });
        Assert.True(predictions.Select(p => p.ModelVersion).Distinct().Count() >= 2, "the swaps happened while calls were running");
        Assert.Equal(["v1", "v2", "v3", "v4", "v5"], disposed.Order());
        Assert.Equal("v6", classifier.CurrentModel!.Version);
    }

    [Fact]
    public void Dispose_ActiveModel_DisposesItsSession()
    {
        // Arrange
        OnnxXrayClassifier classifier = TestModels.Classifier();
        List<string> disposed = [];
        classifier.SessionDisposed = disposed.Add;
        classifier.Activate(TestModels.Package("v1"));

        // Act
        classifier.Dispose();

        // Assert
        Assert.Equal(["v1"], disposed);
        Assert.Throws<ObjectDisposedException>(() => classifier.Activate(TestModels.Package("v2")));
    }

    [Fact]
    public void AddXrayInference_Resolved_OneSingletonClassifierBehindTheInterface()
    {
        // Arrange
        ServiceCollection services = new();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Inference:ExecutionProvider"] = "Cpu", ["Imaging:MaxBytes"] = "1000000" })
            .Build());
        services.AddLogging();

        // Act
        services.AddXrayInference();
        using ServiceProvider provider = services.BuildServiceProvider();

        // Assert
        IXrayClassifier first = provider.GetRequiredService<IXrayClassifier>();
        Assert.Same(first, provider.GetRequiredService<IXrayClassifier>());
        Assert.Same(first, provider.GetRequiredService<OnnxXrayClassifier>());
        Assert.Equal(1_000_000, provider.GetRequiredService<IOptions<ImageInputOptions>>().Value.MaxBytes);
    }

    [Fact]
    public void AddXrayInference_InvalidImagingLimit_FailsValidation()
    {
        // Arrange
        ServiceCollection services = new();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Imaging:MaxPixels"] = "0" })
            .Build());
        services.AddLogging();
        services.AddXrayInference();
        using ServiceProvider provider = services.BuildServiceProvider();

        // Act
        OptionsValidationException error = Assert.Throws<OptionsValidationException>(
            () => provider.GetRequiredService<IOptions<ImageInputOptions>>().Value);

        // Assert
        Assert.Contains("MaxPixels", error.Message, StringComparison.Ordinal);
    }
}
