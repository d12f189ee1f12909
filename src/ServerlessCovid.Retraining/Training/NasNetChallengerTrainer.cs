using Microsoft.Extensions.Logging;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Models;
using ServerlessCovid.Training.Onnx;
using ServerlessCovid.Training.Platform;
using ServerlessCovid.Training.Training;
using TrainingSplit = ServerlessCovid.Training.Training.DatasetSplit;

namespace ServerlessCovid.Retraining.Training;

/// <summary>
/// <see cref="IChallengerTrainer"/> over ServerlessCovid.Training: the TorchSharp NASNet <see cref="Trainer"/>
/// (checkpoint after every epoch, resume), the ONNX exporter and the parity check.
/// </summary>
public sealed partial class NasNetChallengerTrainer(
    Trainer trainer,
    ITrainingImageLoader imageLoader,
    TimeProvider clock,
    ILogger<NasNetChallengerTrainer> logger) : IChallengerTrainer
{
    /// <summary>Validation images compared in the parity check, on top of random inputs.</summary>
    private const int ParityImages = 8;

    public int ResolveEpochs(string preset, int? epochs) => epochs ?? TrainingPresets.Get(preset).Epochs;

    public int LastCompletedEpoch(string checkpointDirectory) =>
        TrainingCheckpoint.Exists(checkpointDirectory) ? ReadState(checkpointDirectory).EpochsCompleted : 0;

    public IReadOnlyList<EpochMetrics> ReadHistory(string checkpointDirectory) =>
        TrainingCheckpoint.Exists(checkpointDirectory) ? ReadState(checkpointDirectory).History : [];

    public async Task<IReadOnlyList<EpochMetrics>> TrainAsync(
        ChallengerTrainingJob job, Func<EpochMetrics, CancellationToken, Task> checkpointSaved, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(checkpointSaved);
        TrainingRequest request = BuildRequest(job);
        List<EpochMetrics> history = [];

        // One epoch per call: the trainer checkpoints each epoch, and the upload must happen before the next one starts.
        while (LastCompletedEpoch(job.CheckpointDirectory) < job.TargetEpoch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using TrainingOutcome outcome = await RunTrainerAsync(request, job.CheckpointDirectory, cancellationToken).ConfigureAwait(false);
            EpochMetrics last = outcome.History[^1];
            history.Add(last);
            await checkpointSaved(last, cancellationToken).ConfigureAwait(false);
        }

        return history;
    }

    public Task<ModelPackage> ExportAsync(ChallengerExportJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        return Task.Run(() => Export(job), cancellationToken);
    }

    /// <summary>The preset's recipe with the run's dataset, epochs, seed and its recorded split, used as is.</summary>
    internal static TrainingRequest BuildRequest(ChallengerTrainingJob job)
    {
        TrainingRequest preset = TrainingPresets.Get(job.Preset);
        IReadOnlyList<LabelledFile> all = [.. job.Dataset.Training, .. job.Dataset.Validation];
        return preset with
        {
            Epochs = job.TotalEpochs,
            Seed = job.Seed,
            LearningRate = job.LearningRate ?? preset.LearningRate,
            ValidationFraction = job.Dataset.Manifest.Split?.ValidationFraction ?? preset.ValidationFraction,
            SplitByGroup = job.Dataset.Manifest.Split?.GroupedByPatient ?? false,
            Images = [.. all.Select(ToImage)],
            FixedSplit = new TrainingSplit(
                [.. job.Dataset.Training.Select(ToImage)],
                [.. job.Dataset.Validation.Select(ToImage)],
                job.Dataset.Manifest.Split?.Method ?? DatasetSplitter.StableMethod,
                job.Dataset.Manifest.Split?.ValidationFraction ?? preset.ValidationFraction,
                job.Seed),
            DatasetManifest = job.Dataset.Manifest.DatasetId,
            InitialWeights = job.InitialWeights is { } initial
                ? new InitialWeights(initial.Path, preset.Architecture, initial.Sha256, initial.Source)
                : null,
        };
    }

    private static LabelledImage ToImage(LabelledFile file) => new(file.Path, file.Label, file.GroupId);

    private async Task<TrainingOutcome> RunTrainerAsync(TrainingRequest request, string directory, CancellationToken cancellationToken)
    {
        try
        {
            return await trainer.TrainAsync(request, directory, startFromCheckpoint: true, epochsToRunNow: 1, progress: null, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (InvalidDatasetException ex)
        {
            throw new PermanentRetrainingException($"The dataset cannot be trained on: {ex.Message}", ex);
        }
        catch (InvalidModelWeightsException ex)
        {
            throw new PermanentRetrainingException($"The run's initial weights cannot be used: {ex.Message}", ex);
        }
    }

    private ModelPackage Export(ChallengerExportJob job)
    {
        TorchRuntime.EnsureInitialized();
        CheckpointState state = ReadState(job.CheckpointDirectory);
        using NasNet model = TrainingCheckpoint.LoadModel(job.CheckpointDirectory, state);
        model.eval();
        byte[] onnx = NasNetOnnxExporter.Export(model);
        float[][] parityInputs = [.. job.Dataset.Validation.Take(ParityImages).Select(f => imageLoader.Load(f.Path))];
        ParitySummary parity;
        try
        {
            parity = OnnxParityChecker.Verify(model, onnx, parityInputs);
        }
        catch (ParityFailedException ex)
        {
            throw new PermanentRetrainingException($"ONNX parity failed for {job.Version}: {ex.Message}", ex);
        }

        LogExported(logger, job.Version, onnx.Length, parity.MaxAbsoluteDifference, parity.InputsCompared);
        ModelManifest manifest = new()
        {
            Version = job.Version,
            CreatedUtc = clock.GetUtcNow(),
            OnnxSha256 = string.Empty,
            ClassNames = ClassNames.InOutputOrder,
            PreprocessingId = Preprocessing.RgbStretchUnit256,

            // Chosen on validation by the Evaluate activity; 0.5 only until then.
            OperatingThreshold = 0.5,
            ThresholdMethod = "pending evaluation",
            Training = new ModelTrainingSummary
            {
                Architecture = state.Request.Architecture.Describe(),
                Preset = state.Request.Preset,
                Epochs = state.EpochsCompleted,
                BatchSize = state.Request.BatchSize,
                LearningRate = state.Request.LearningRate,
                Momentum = state.Request.Momentum,
                Seed = state.Request.Seed,
                TrainingImages = state.Split.Training.Count,
                ValidationImages = state.Split.Validation.Count,
                TrainableParameters = ModelInfo.CountTrainableParameters(model),
                DatasetManifest = job.DatasetManifestBlob,
                WallSeconds = state.TrainingSeconds,
            },
            Parity = parity,
            Weights = PackageWeights.Describe(model.Config),
        };
        return ModelPackage.Create(manifest, onnx, PackageWeights.Save(model));
    }

    private static CheckpointState ReadState(string directory)
    {
        try
        {
            return TrainingCheckpoint.ReadState(directory);
        }
        catch (CheckpointCorruptException ex)
        {
            throw new PermanentRetrainingException($"The run's checkpoint is unusable: {ex.Message}", ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Exported {Version}: {Bytes} bytes of ONNX, parity max difference {MaxDifference:E2} over {Inputs} inputs")]
    private static partial void LogExported(ILogger logger, string version, int bytes, double maxDifference, int inputs);
}
