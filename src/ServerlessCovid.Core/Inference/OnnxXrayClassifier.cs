using System.Buffers;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Inference;

/// <summary>
/// <see cref="IXrayClassifier"/> over ONNX Runtime: one long-lived session per model version, scored through the
/// <see cref="OrtValue"/> API straight from the preprocessor's output (no tensor copies). Safe for any number of
/// concurrent calls; <see cref="Activate"/> swaps atomically and the old session is disposed when its last
/// in-flight call finishes.
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

    private Task<TriagePrediction> Score(ReadOnlyMemory<byte> image, string? contentSha256, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        LoadedModel model = Acquire();
        float[] input = ArrayPool<float>.Shared.Rent(ValuesPerImage);
        try
        {
            PreprocessedImage prepared = _preprocessor.LoadTensor(image.Span, input, contentSha256, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            long started = Stopwatch.GetTimestamp();
            RunOutput output = Run(model, input, 1, cancellationToken);
            double inferenceMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            return Task.FromResult(Predict(model, output, 0, prepared, inferenceMs));
        }
        finally
        {
            ArrayPool<float>.Shared.Return(input);
            model.Release();
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
    private static RunOutput Run(LoadedModel model, float[] input, int count, CancellationToken cancellationToken)
    {
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
            PositiveMap(output, row, classes, model.PositiveIndex));
    }

    private static ActivationMap? PositiveMap(RunOutput output, int row, int classes, int positiveIndex)
    {
        if (output.Maps is null)
        {
            return null;
        }

        int cells = output.MapHeight * output.MapWidth;
        float[] values = output.Maps.AsSpan(((row * classes) + positiveIndex) * cells, cells).ToArray();
        return new ActivationMap(output.MapWidth, output.MapHeight, values);
    }

    private void OnRetiredModelDisposed(LoadedModel model)
    {
        LogRetired(_logger, model.Manifest.Version);
        SessionDisposed?.Invoke(model.Manifest.Version);
    }

    private readonly record struct RunOutput(float[] Probabilities, float[]? Maps, int MapHeight, int MapWidth);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Model {Version} (SHA-256 {Sha256}) active on {Provider}; replaced {Previous}")]
    private static partial void LogActivated(ILogger logger, string version, string sha256, string provider, string previous);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Version} retired: its last call finished and its session is disposed")]
    private static partial void LogRetired(ILogger logger, string version);
}
