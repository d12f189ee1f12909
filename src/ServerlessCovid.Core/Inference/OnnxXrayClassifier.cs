using System.Buffers;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using ServerlessCovid.Core.Explainability;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Observability;

namespace ServerlessCovid.Core.Inference;

/// <summary>
/// <see cref="IXrayClassifier"/> over ONNX Runtime: one long-lived session per model version, scored through the
/// <see cref="OrtValue"/> API straight from the preprocessor's output (no tensor copies). Safe for any number of
/// concurrent calls; <see cref="Activate"/> swaps atomically and the old session is disposed when its last
/// in-flight call finishes. Concurrent <see cref="ScoreAsync(ReadOnlyMemory{byte}, CancellationToken)"/> calls share runs through a <see cref="DynamicBatcher"/>
/// when <c>Inference:BatchWindowMilliseconds</c> (or the provider's default) is above 0.
/// </summary>
public sealed partial class OnnxXrayClassifier : IXrayClassifier, IDisposable
{
    private const int ValuesPerImage = Preprocessing.ValuesPerImage;
    private static readonly long[] SingleShape = [1, Preprocessing.Channels, Preprocessing.Size, Preprocessing.Size];

    private readonly OnnxSessionFactory _sessions;
    private readonly XrayPreprocessor _preprocessor;
    private readonly ILogger<OnnxXrayClassifier> _logger;
    private readonly InferenceOptions _options;
    private readonly Lock _activation = new();
    private LoadedModel? _active;
    private bool _disposed;
    private long _runs;

    public OnnxXrayClassifier(
        OnnxSessionFactory sessions,
        XrayPreprocessor preprocessor,
        IOptions<InferenceOptions> options,
        ILogger<OnnxXrayClassifier> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _sessions = sessions;
        _preprocessor = preprocessor;
        _logger = logger;
        _options = options.Value;
    }

    public ModelManifest? CurrentModel => Volatile.Read(ref _active)?.Manifest;

    /// <summary>"CUDA" or "CPU" for the active model, null before any model.</summary>
    public string? ExecutionProvider => Volatile.Read(ref _active)?.ExecutionProvider;

    /// <summary>ONNX Runtime runs so far, all versions together (tests and benchmarks count how many calls shared one).</summary>
    public long RunCount => Interlocked.Read(ref _runs);

    public event Action<int>? RunCompleted;

    /// <summary>Test hook: called with the version whose session was just disposed.</summary>
    internal Action<string>? SessionDisposed { get; set; }

    public void Activate(ModelPackage package)
    {
        ArgumentNullException.ThrowIfNull(package);
        ModelManifest manifest = package.Manifest;
        lock (_activation)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            LoadedModel? current = _active;
            if (current is not null && current.Manifest.Version == manifest.Version
                && string.Equals(current.Manifest.OnnxSha256, manifest.OnnxSha256, StringComparison.OrdinalIgnoreCase))
            {
                return;
            }

            // Session creation and validation happen before the swap, so a bad package never interrupts serving.
            OnnxSession session = _sessions.Create(package.Onnx);
            int batchLimit;
            bool hasActivationMap;
            try
            {
                batchLimit = Math.Min(ModelSignature.Validate(session.Session, manifest), _options.MaxBatchSizeFor(session.ExecutionProvider));
                hasActivationMap = ModelSignature.HasActivationMap(session.Session, manifest);
            }
            catch
            {
                session.Dispose();
                throw;
            }

            LoadedModel next = new(manifest, session, batchLimit, hasActivationMap, OnRetiredModelDisposed);
            TimeSpan window = _options.BatchWindowFor(session.ExecutionProvider);
            if (window > TimeSpan.Zero && batchLimit > 1)
            {
                next.Batcher = new DynamicBatcher(next, (input, count) => Run(next, input, count, CancellationToken.None), batchLimit, window);
            }

            Volatile.Write(ref _active, next);
            LogActivated(_logger, manifest.Version, manifest.OnnxSha256, session.ExecutionProvider, current?.Manifest.Version ?? "none");
            current?.Release();
        }
    }

    public Task<TriagePrediction> ScoreAsync(ReadOnlyMemory<byte> image, CancellationToken cancellationToken = default) =>
        Score(image, null, cancellationToken);

    public Task<TriagePrediction> ScoreAsync(ReadOnlyMemory<byte> image, string contentSha256, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(contentSha256);
        return Score(image, contentSha256, cancellationToken);
    }

    private async Task<TriagePrediction> Score(ReadOnlyMemory<byte> image, string? contentSha256, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        LoadedModel model = Acquire();
        string version = model.Manifest.Version;
        float[] input = ArrayPool<float>.Shared.Rent(ValuesPerImage);
        bool handedOver = false;
        try
        {
            // Decoding runs here, on the caller's thread: concurrent callers decode in parallel; only Run is shared.
            PreprocessedImage prepared = _preprocessor.LoadTensor(image.Span, input, contentSha256, cancellationToken);
            RecordPreparation(prepared, version);
            cancellationToken.ThrowIfCancellationRequested();

            // Taken now: the tensor belongs to the batcher once queued. 256 KiB, against a second decode for the heat map.
            float[]? grey = model.HasActivationMap ? HeatMapOverlay.GreyPlane(input.AsSpan(0, ValuesPerImage)) : null;
            if (model.Batcher is not { } batcher)
            {
                long started = Stopwatch.GetTimestamp();
                RunOutput output = Run(model, input, 1, cancellationToken);
                long ended = Stopwatch.GetTimestamp();
                RecordSpan(TriageActivities.Run, started, ended, version, 1);
                return Predict(model, output, 0, prepared, Stopwatch.GetElapsedTime(started, ended).TotalMilliseconds) with { InputGrey = grey };
            }

            // The batcher owns the tensor and this call's model reference from here on, whatever happens.
            handedOver = true;
            BatchedRun run = await batcher.EnqueueAsync(input, cancellationToken).ConfigureAwait(false);
            RecordSpan(TriageActivities.QueueWait, run.Enqueued, run.RunStarted, version, run.BatchSize);
            RecordSpan(TriageActivities.Run, run.RunStarted, run.RunEnded, version, run.BatchSize);
            double inferenceMs = Stopwatch.GetElapsedTime(run.RunStarted, run.RunEnded).TotalMilliseconds / run.BatchSize;
            return Predict(model, run.Output, run.Row, prepared, inferenceMs) with { InputGrey = grey };
        }
        finally
        {
            if (!handedOver)
            {
                ArrayPool<float>.Shared.Return(input);
                model.Release();
            }
        }
    }

    public void Dispose()
    {
        lock (_activation)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            LoadedModel? current = _active;
            Volatile.Write(ref _active, null);
            current?.Release();
        }
    }

    /// <summary>Takes a reference on the active model; the caller must <see cref="LoadedModel.Release"/> it.</summary>
    internal LoadedModel Acquire()
    {
        while (true)
        {
            LoadedModel? model = Volatile.Read(ref _active)
                ?? throw new ModelUnavailableException("No model has been activated yet; publish or load a model package first.");

            // Fails only if this version was retired and fully released between the read and now: read again.
            if (model.TryAcquire())
            {
                return model;
            }
        }
    }

    /// <summary>
    /// One <c>Run</c> over the first <paramref name="count"/> images of <paramref name="input"/>: probabilities
    /// [count × classes], and the maps [count × classes × h × w] when the model has them.
    /// </summary>
    private RunOutput Run(LoadedModel model, float[] input, int count, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _runs);
        RunCompleted?.Invoke(count);
        long[] shape = count == 1 ? SingleShape : [count, Preprocessing.Channels, Preprocessing.Size, Preprocessing.Size];
        using OrtValue tensor = OrtValue.CreateTensorValueFromMemory(
            OrtMemoryInfo.DefaultInstance, new Memory<float>(input, 0, count * ValuesPerImage), shape);
        using RunOptions runOptions = new();
        using CancellationTokenRegistration registration = cancellationToken.Register(() => runOptions.Terminate = true);
        try
        {
            using IDisposableReadOnlyCollection<OrtValue> outputs = model.Session.Run(
                runOptions, model.InputNames, [tensor], model.OutputNames);
            float[] probabilities = outputs[0].GetTensorDataAsSpan<float>().ToArray();
            if (!model.HasActivationMap)
            {
                return new RunOutput(probabilities, null, 0, 0);
            }

            // The exporter fixes h and w, but a graph may leave them symbolic: the run's own shape is the truth.
            OrtTensorTypeAndShapeInfo mapInfo = outputs[1].GetTensorTypeAndShape();
            long[] mapShape = mapInfo.Shape;
            return new RunOutput(probabilities, outputs[1].GetTensorDataAsSpan<float>().ToArray(), (int)mapShape[2], (int)mapShape[3]);
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("Scoring was cancelled.", cancellationToken);
        }
    }

    private static TriagePrediction Predict(
        LoadedModel model, RunOutput output, int row, PreprocessedImage prepared, double inferenceMs)
    {
        float[] probabilities = output.Probabilities;
        ModelManifest manifest = model.Manifest;
        int classes = manifest.ClassNames.Count;
        Dictionary<string, double> byClass = new(classes, StringComparer.Ordinal);
        int bestOther = -1;
        for (int c = 0; c < classes; c++)
        {
            double p = probabilities[(row * classes) + c];
            byClass[manifest.ClassNames[c]] = p;
            if (c != model.PositiveIndex && (bestOther < 0 || p > probabilities[(row * classes) + bestOther]))
            {
                bestOther = c;
            }
        }

        // The manifest's own calibrated threshold decides, never argmax: a new model cannot silently move it.
        double positive = probabilities[(row * classes) + model.PositiveIndex];
        string label = positive >= manifest.OperatingThreshold ? manifest.PositiveClass : manifest.ClassNames[bestOther];
        return new TriagePrediction(
            label,
            byClass,
            manifest.PositiveClass,
            manifest.OperatingThreshold,
            manifest.Version,
            manifest.OnnxSha256,
            manifest.PreprocessingId,
            prepared.Image,
            new StageTimings(prepared.DecodeMs, prepared.PreprocessMs, inferenceMs),
            PositiveMap(output, row, classes, model.PositiveIndex))
        {
            Dicom = prepared.Dicom,
        };
    }

    private static ActivationMap? PositiveMap(RunOutput output, int row, int classes, int positiveIndex)
    {
        if (output.Maps is null)
        {
            return null;
        }

        int cells = output.MapHeight * output.MapWidth;
        return ActivationMap.ForPositiveClass(
            output.Maps.AsSpan(row * classes * cells, classes * cells), classes, positiveIndex, output.MapWidth, output.MapHeight);
    }

    /// <summary>Decode and preprocess spans, from the durations the preprocessor measured, ending now.</summary>
    private static void RecordPreparation(PreprocessedImage prepared, string version)
    {
        if (!TriageActivities.Source.HasListeners())
        {
            return;
        }

        DateTime end = DateTime.UtcNow;
        DateTime decoded = end - TimeSpan.FromMilliseconds(prepared.PreprocessMs);
        TriageActivities.Record(TriageActivities.Decode, decoded - TimeSpan.FromMilliseconds(prepared.DecodeMs), decoded, version);
        TriageActivities.Record(TriageActivities.Preprocess, decoded, end, version);
    }

    /// <summary>A span between two <see cref="Stopwatch"/> timestamps of this process.</summary>
    private static void RecordSpan(string name, long started, long ended, string version, int batchSize)
    {
        if (!TriageActivities.Source.HasListeners())
        {
            return;
        }

        DateTime now = DateTime.UtcNow;
        long nowTicks = Stopwatch.GetTimestamp();
        TriageActivities.Record(
            name, now - Stopwatch.GetElapsedTime(started, nowTicks), now - Stopwatch.GetElapsedTime(ended, nowTicks), version, batchSize);
    }

    private void OnRetiredModelDisposed(LoadedModel model)
    {
        LogRetired(_logger, model.Manifest.Version);
        SessionDisposed?.Invoke(model.Manifest.Version);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Model {Version} (SHA-256 {Sha256}) active on {Provider}; replaced {Previous}")]
    private static partial void LogActivated(ILogger logger, string version, string sha256, string provider, string previous);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Version} retired: its last call finished and its session is disposed")]
    private static partial void LogRetired(ILogger logger, string version);
}
