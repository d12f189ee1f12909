using ServerlessCovid.Core.Evaluation;
using ServerlessCovid.Core.Evaluation.Metrics;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Models;
using ServerlessCovid.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ServerlessCovid.Training.Onnx;

public sealed record PublishOptions
{
    public required string Version { get; init; }

    public required string OutputDirectory { get; init; }

    public ModelTrainingSummary? Training { get; init; }

    /// <summary>Scored to choose the operating threshold and summarise validation; the first few also prove parity.</summary>
    public IReadOnlyList<LabelledImage> ValidationImages { get; init; } = [];

    /// <summary>How to choose the threshold on validation (issue-5's selector; default: sensitivity ≥ 0.95).</summary>
    public ThresholdSelectionOptions Threshold { get; init; } = new();

    public int ParityImages { get; init; } = 8;

    public int RandomParityInputs { get; init; } = 4;

    public double ParityTolerance { get; init; } = OnnxParityChecker.DefaultTolerance;
}

public sealed record PublishResult(ModelPackage Package, string Directory);

/// <summary>
/// Trained model → servable package: export to ONNX, prove parity with ONNX Runtime (refusing to publish
/// otherwise), choose the operating threshold on validation, and write <c>model.onnx</c>, the TorchSharp weights
/// (<c>weights.pt</c>, so a later run can start from this model) and <c>manifest.json</c>.
/// </summary>
public sealed class ModelPublisher(ITrainingImageLoader imageLoader)
{
    public const double DefaultThreshold = 0.5;

    /// <exception cref="ParityFailedException">The export disagrees with the model; nothing is written.</exception>
    public PublishResult Publish(NasNet model, PublishOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        byte[] onnx = NasNetOnnxExporter.Export(model);
        float[][] images = [.. options.ValidationImages.Select(i => imageLoader.Load(i.Path))];
        ParitySummary parity = OnnxParityChecker.Verify(
            model, onnx, images.Take(options.ParityImages).ToList(), options.RandomParityInputs, tolerance: options.ParityTolerance);

        (double threshold, string method, ModelEvaluationSummary? evaluation) = Evaluate(model, images, options);
        ModelManifest manifest = new()
        {
            Version = options.Version,
            CreatedUtc = DateTimeOffset.UtcNow,
            OnnxSha256 = string.Empty,
            ClassNames = ClassNames.InOutputOrder,
            PreprocessingId = Preprocessing.RgbStretchUnit256,
            OperatingThreshold = threshold,
            ThresholdMethod = method,
            Training = options.Training,
            Evaluation = evaluation,
            Parity = parity,
            Weights = PackageWeights.Describe(model.Config),
        };
        ModelPackage package = ModelPackage.Create(manifest, onnx, PackageWeights.Save(model));
        package.SaveToDirectory(options.OutputDirectory);
        return new PublishResult(package, options.OutputDirectory);
    }

    /// <summary>Publishes a finished (or partly finished) run: its model, training summary and validation images.</summary>
    public PublishResult Publish(TrainingOutcome outcome, string version, string outputDirectory)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return Publish(outcome.Model, new PublishOptions
        {
            Version = version,
            OutputDirectory = outputDirectory,
            Training = Summarize(outcome.Request, outcome.Split, outcome.History.Count, outcome.TrainingSeconds, outcome.Model),
            ValidationImages = outcome.Split.Validation,
        });
    }

    /// <summary>
    /// Exports a checkpoint folder alone (<c>covid export</c>). Validation images that no longer exist are left out of
    /// parity and threshold selection; <paramref name="missingValidationImages"/> says how many.
    /// </summary>
    public PublishResult PublishCheckpoint(string checkpointDirectory, string version, string outputDirectory, out int missingValidationImages)
    {
        CheckpointState state = TrainingCheckpoint.ReadState(checkpointDirectory);
        using NasNet model = TrainingCheckpoint.LoadModel(checkpointDirectory, state);
        List<LabelledImage> present = [.. state.Split.Validation.Where(i => File.Exists(i.Path))];
        missingValidationImages = state.Split.Validation.Count - present.Count;
        return Publish(model, new PublishOptions
        {
            Version = version,
            OutputDirectory = outputDirectory,
            Training = Summarize(state.Request, state.Split, state.EpochsCompleted, state.TrainingSeconds, model),
            ValidationImages = present,
        });
    }

    public static ModelTrainingSummary Summarize(TrainingRequest request, DatasetSplit split, int epochsCompleted, double seconds, NasNet model)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(split);
        return new ModelTrainingSummary
        {
            Architecture = model.Config.Describe(),
            Preset = request.Preset,
            Epochs = epochsCompleted,
            BatchSize = request.BatchSize,
            LearningRate = request.LearningRate,
            Momentum = request.Momentum,
            Seed = request.Seed,
            TrainingImages = split.Training.Count,
            ValidationImages = split.Validation.Count,
            TrainableParameters = ModelInfo.CountTrainableParameters(model),
            DatasetManifest = request.DatasetManifest,
            WallSeconds = seconds,
        };
    }

    private static (double Threshold, string Method, ModelEvaluationSummary? Evaluation) Evaluate(
        NasNet model, float[][] images, PublishOptions options)
    {
        if (images.Length == 0)
        {
            return (DefaultThreshold, "default (no validation images to choose a threshold on)", null);
        }

        int[] labels = [.. options.ValidationImages.Select(i => ClassNames.IndexOf(i.Label))];
        double[][] probabilities = Score(model, images);
        ScoredSet scored = new(ClassNames.InOutputOrder, labels, probabilities);
        double threshold;
        string method;
        try
        {
            OperatingThresholdSelection selection = OperatingThresholdSelector.Select(scored, options.Threshold);
            (threshold, method) = (selection.Threshold, selection.Method);
        }
        catch (EvaluationInputException ex)
        {
            (threshold, method) = (DefaultThreshold, $"default ({ex.Message})");
        }

        int positive = ClassNames.IndexOf(options.Threshold.PositiveClass);
        RocCurve roc = RocCurve.Compute(
            options.Threshold.PositiveClass,
            [.. probabilities.Select(p => p[positive])],
            [.. labels.Select(l => l == positive)]);
        OperatingPoint point = OperatingPoint.Compute(scored, options.Threshold.PositiveClass, threshold, method);
        double loss = -labels.Select((l, i) => Math.Log(Math.Max(probabilities[i][l], 1e-12))).Average();
        double accuracy = labels.Where((l, i) => Array.IndexOf(probabilities[i], probabilities[i].Max()) == l).Count() / (double)labels.Length;
        return (threshold, method, new ModelEvaluationSummary
        {
            Accuracy = accuracy,
            PositiveClassAuc = roc.Auc ?? double.NaN,
            SensitivityAtThreshold = point.Sensitivity.Value,
            SpecificityAtThreshold = point.Specificity.Value,
            Loss = loss,
            Samples = labels.Length,
        });
    }

    private static double[][] Score(NasNet model, float[][] images)
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            List<double[]> rows = [];
            foreach (float[][] chunk in images.Chunk(8))
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                Tensor input = tensor(chunk.SelectMany(x => x).ToArray(), [chunk.Length, 3, Preprocessing.Size, Preprocessing.Size]);
                float[] flat = nn.functional.softmax(model.forward(input), 1).data<float>().ToArray();
                int classes = flat.Length / chunk.Length;
                rows.AddRange(flat.Chunk(classes).Select(r => r.Select(v => (double)v).ToArray()));
            }

            return [.. rows];
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
