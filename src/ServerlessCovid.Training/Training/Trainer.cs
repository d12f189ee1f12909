using System.Diagnostics;
using Microsoft.Extensions.Logging;
using ServerlessCovid.Core.Evaluation.Metrics;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Models;
using ServerlessCovid.Training.Platform;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ServerlessCovid.Training.Training;

/// <summary>
/// Trains NASNet as the paper does (SGD, categorical cross-entropy, per-epoch loss/accuracy/MSE on both sides of a
/// 70/30 split) and checkpoints after every epoch, so a run can be driven in chunks of epochs (retraining) and
/// resumed after a crash to the same result.
/// </summary>
public sealed partial class Trainer(ITrainingImageLoader imageLoader, ILogger<Trainer> logger)
{
    private static readonly Lock SeededCreation = new();

    /// <summary>
    /// Runs up to <paramref name="epochsToRunNow"/> epochs (all remaining when null) of <paramref name="request"/>.
    /// With <paramref name="startFromCheckpoint"/> and a checkpoint in <paramref name="checkpointDirectory"/>, continues
    /// from it (its split and settings win; <see cref="TrainingRequest.Epochs"/>, <see cref="TrainingRequest.TimeBudget"/>
    /// come from <paramref name="request"/>); otherwise starts fresh and overwrites any checkpoint there.
    /// </summary>
    /// <exception cref="CheckpointCorruptException">The checkpoint to resume from is unreadable.</exception>
    /// <exception cref="InvalidDatasetException">An image cannot be used, or the split is impossible.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the last finished epoch stays checkpointed.</exception>
    public Task<TrainingOutcome> TrainAsync(
        TrainingRequest request,
        string checkpointDirectory,
        bool startFromCheckpoint = false,
        int? epochsToRunNow = null,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(checkpointDirectory);
        request.Validate();
        return Task.Run(
            () =>
            {
                try
                {
                    return Train(request, checkpointDirectory, startFromCheckpoint, epochsToRunNow, progress, cancellationToken);
                }
                finally
                {
                    ReleaseWorkingSet();
                }
            },
            cancellationToken);
    }

    /// <summary>
    /// Hands the freed working set of a training call (activations, gradients, the decoded images: about 1 GB for
    /// NASNet-A Mobile at batch 8, 256 px) back to the OS. glibc keeps freed blocks in the arena of the thread that
    /// freed them, and each call runs on whichever thread-pool thread <see cref="Task.Run(Action)"/> picks: without this,
    /// every retraining chunk that landed on a new thread added its whole working set to the resident set
    /// (<c>covid bench chunks</c>).
    /// </summary>
    private void ReleaseWorkingSet()
    {
        long released = ProcessMemory.ReleaseFreedNativeMemory();
        LogNativeMemoryReleased(logger, released / (1024 * 1024));
    }

    private TrainingOutcome Train(
        TrainingRequest request,
        string checkpointDirectory,
        bool startFromCheckpoint,
        int? epochsToRunNow,
        IProgress<TrainingProgress>? progress,
        CancellationToken cancellationToken)
    {
        TorchRuntime.EnsureInitialized();
        Stopwatch clock = Stopwatch.StartNew();
        CheckpointState? checkpoint = startFromCheckpoint && TrainingCheckpoint.Exists(checkpointDirectory)
            ? TrainingCheckpoint.ReadState(checkpointDirectory)
            : null;

        // A resumed run keeps the settings it started with; only how far and how long to go come from the caller.
        TrainingRequest settings = checkpoint is null
            ? request
            : checkpoint.Request with { Epochs = request.Epochs, TimeBudget = request.TimeBudget };
        DatasetSplit split = checkpoint?.Split ?? Split(request);
        List<EpochMetrics> history = [.. checkpoint?.History ?? []];
        double previousSeconds = checkpoint?.TrainingSeconds ?? 0;

        NasNet model;
        if (checkpoint is null)
        {
            // The seed goes to libtorch's one process-wide generator: two trainers seeding it at once would interleave
            // their draws. Anything else drawing from it meanwhile still would (tests keep such classes apart).
            lock (SeededCreation)
            {
                manual_seed(settings.Seed);
                model = NasNet.Create(settings.Architecture);
            }
        }
        else
        {
            model = TrainingCheckpoint.LoadModel(checkpointDirectory, checkpoint);
            LogResuming(logger, checkpointDirectory, checkpoint.EpochsCompleted);
        }

        try
        {
            using SGD optimizer = optim.SGD(model.parameters(), settings.LearningRate, settings.Momentum, 0, settings.WeightDecay, settings.Nesterov);
            if (checkpoint is not null)
            {
                TrainingCheckpoint.LoadOptimizer(checkpointDirectory, optimizer);
            }
            else if (settings.InitialWeights is { } initial)
            {
                initial.LoadInto(model);
                LogWarmStart(logger, initial.Source ?? initial.WeightsPath);
            }

            SetBatchNormMomentum(model, settings.BatchNormMomentum);

            // Same numbers, 1.3–1.7× faster steps on CPU (covid bench train --nchw compares), where the kernels agree.
            model.ChannelsLast = model.ChannelsLastAgrees(settings.ImageSize);
            if (!model.ChannelsLast)
            {
                LogChannelsLastDisagrees(logger, settings.ImageSize);
            }

            using TrainingData training = TrainingData.Load(split.Training, imageLoader, settings.ImageSize, cancellationToken);
            using TrainingData validation = TrainingData.Load(split.Validation, imageLoader, settings.ImageSize, cancellationToken);
            LogStarting(logger, settings.Preset, settings.Architecture, split.Training.Count, split.Validation.Count, history.Count, settings.Epochs);

            int stepsPerEpoch = (int)((training.Count + settings.BatchSize - 1) / settings.BatchSize);
            int lastEpoch = epochsToRunNow is { } chunk ? Math.Min(settings.Epochs, history.Count + Math.Max(chunk, 0)) : settings.Epochs;
            TrainingStopReason stop = TrainingStopReason.Completed;
            while (history.Count < lastEpoch)
            {
                int epoch = history.Count + 1;
                Stopwatch epochClock = Stopwatch.StartNew();
                Metrics? trainMetrics = TrainEpoch(model, optimizer, training, settings, epoch, stepsPerEpoch, clock, progress, cancellationToken);
                if (trainMetrics is null)
                {
                    stop = TrainingStopReason.TimeBudget;
                    LogTimeBudget(logger, settings.TimeBudget!.Value.TotalSeconds, history.Count);
                    break;
                }

                if (settings.PreciseBatchNorm)
                {
                    RecomputeBatchNormStatistics(model, training.Images, settings.BatchSize, settings.PreciseBatchNormImages);
                }

                Metrics val = Evaluate(model, validation.Images, validation.Labels, settings.BatchSize);
                EpochMetrics metrics = new(
                    epoch, trainMetrics.Value.Loss, trainMetrics.Value.Accuracy, trainMetrics.Value.Mse,
                    val.Loss, val.Accuracy, val.Mse, epochClock.Elapsed.TotalSeconds, val.Auc);
                history.Add(metrics);
                TrainingCheckpoint.Save(
                    checkpointDirectory,
                    new CheckpointState
                    {
                        Request = settings,
                        EpochsCompleted = epoch,
                        History = history,
                        Split = split,
                        ModelSha256 = string.Empty,
                        OptimizerSha256 = string.Empty,
                        TrainingSeconds = previousSeconds + clock.Elapsed.TotalSeconds,
                    },
                    model,
                    optimizer);
                LogEpoch(logger, epoch, settings.Epochs, metrics.TrainLoss, metrics.TrainAccuracy, metrics.ValidationLoss, metrics.ValidationAccuracy, metrics.Seconds);
                progress?.Report(new TrainingProgress("epoch", epoch, settings.Epochs, stepsPerEpoch, stepsPerEpoch, null, metrics));
            }

            if (stop == TrainingStopReason.Completed && history.Count < settings.Epochs)
            {
                stop = TrainingStopReason.ChunkDone;
            }

            return new TrainingOutcome(model, settings, split, history, stop, previousSeconds + clock.Elapsed.TotalSeconds);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static DatasetSplit Split(TrainingRequest request)
    {
        if (request.FixedSplit is { } fixedSplit)
        {
            return fixedSplit;
        }

        if (request.Images.Count == 0)
        {
            throw new InvalidDatasetException("The training request has no images.");
        }

        return request.SplitByGroup
            ? DatasetSplitter.ByGroup(request.Images, request.ValidationFraction, request.Seed)
            : DatasetSplitter.Stratified(request.Images, request.ValidationFraction, request.Seed);
    }

    /// <summary>One pass over the shuffled training set; null when the time budget ran out part-way.</summary>
    private static Metrics? TrainEpoch(
        NasNet model,
        SGD optimizer,
        TrainingData data,
        TrainingRequest settings,
        int epoch,
        int stepsPerEpoch,
        Stopwatch clock,
        IProgress<TrainingProgress>? progress,
        CancellationToken cancellationToken)
    {
        model.train();
        long[] order = EpochOrder(data.Count, settings.Seed, epoch);
        double lossSum = 0, mseSum = 0;
        long correct = 0;
        for (int step = 0; step < stepsPerEpoch; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (settings.TimeBudget is { } budget && clock.Elapsed > budget)
            {
                return null;
            }

            SetLearningRate(optimizer, settings, ((epoch - 1) * stepsPerEpoch) + step, stepsPerEpoch);
            using var scope = NewDisposeScope();
            long[] batchIndices = order[(step * settings.BatchSize)..Math.Min(order.Length, (step + 1) * settings.BatchSize)];
            Tensor index = tensor(batchIndices);
            Tensor x = settings.Augmentation.Apply(data.Images.index_select(0, index), settings.Seed, epoch, step);
            Tensor y = data.Labels.index_select(0, index);
            Tensor logits = model.forward(x);
            Tensor loss = nn.functional.cross_entropy(logits, y);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();

            using (no_grad())
            {
                (double batchLoss, long batchCorrect, double batchMse) = Score(logits, y, loss);
                lossSum += batchLoss * batchIndices.Length;
                correct += batchCorrect;
                mseSum += batchMse * batchIndices.Length;
                progress?.Report(new TrainingProgress("train", epoch, settings.Epochs, step + 1, stepsPerEpoch, batchLoss, null));
            }
        }

        return new Metrics(lossSum / data.Count, (double)correct / data.Count, mseSum / data.Count);
    }

    /// <summary>The epoch's order depends only on the seed and the epoch number, so a resumed run sees the same batches.</summary>
    public static long[] EpochOrder(long count, int seed, int epoch)
    {
        long[] order = [.. Enumerable.Range(0, (int)count).Select(i => (long)i)];
        new Random(unchecked((seed * 7919) + epoch)).Shuffle(order);
        return order;
    }

    /// <summary>
    /// Linear warm-up over the first <see cref="TrainingRequest.WarmupEpochs"/>, then the schedule over the remaining
    /// steps. Depends only on the step, so a resumed run continues the same curve.
    /// </summary>
    public static double LearningRateAt(TrainingRequest settings, int step, int stepsPerEpoch)
    {
        int warmupSteps = settings.WarmupEpochs * stepsPerEpoch;
        if (step < warmupSteps)
        {
            return settings.LearningRate * (step + 1) / warmupSteps;
        }

        int decaySteps = Math.Max(1, (settings.Epochs * stepsPerEpoch) - warmupSteps);
        return settings.Schedule == LearningRateSchedule.Cosine
            ? settings.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * (step - warmupSteps) / decaySteps))
            : settings.LearningRate;
    }

    private static void SetLearningRate(SGD optimizer, TrainingRequest settings, int step, int stepsPerEpoch)
    {
        double rate = LearningRateAt(settings, step, stepsPerEpoch);
        foreach (var group in optimizer.ParamGroups)
        {
            group.LearningRate = rate;
        }
    }

    private static void SetBatchNormMomentum(NasNet model, double momentum)
    {
        foreach (BatchNorm2d bn in model.modules().OfType<BatchNorm2d>())
        {
            bn.momentum = momentum;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Returned {Megabytes} MiB of freed native memory to the OS after training")]
    private static partial void LogNativeMemoryReleased(ILogger logger, long megabytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Starting from the weights of {Source} instead of random ones")]
    private static partial void LogWarmStart(ILogger logger, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming from {Directory} after epoch {Epoch}")]
    private static partial void LogResuming(ILogger logger, string directory, int epoch);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Training preset {Preset}, {Architecture}: {TrainingImages} training / {ValidationImages} validation images, epochs {Done}/{Epochs} done")]
    private static partial void LogStarting(ILogger logger, string preset, NasNetConfig architecture, int trainingImages, int validationImages, int done, int epochs);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Epoch {Epoch}/{Epochs}: loss {TrainLoss:F4} acc {TrainAccuracy:F3} | val loss {ValidationLoss:F4} val acc {ValidationAccuracy:F3} ({Seconds:F1} s)")]
    private static partial void LogEpoch(ILogger logger, int epoch, int epochs, double trainLoss, double trainAccuracy, double validationLoss, double validationAccuracy, double seconds);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Channels-last and NCHW passes disagree at {ImageSize} px on this CPU (a oneDNN kernel fault); training NCHW, slower but exact. Set ONEDNN_MAX_CPU_ISA=AVX2 to avoid it")]
    private static partial void LogChannelsLastDisagrees(ILogger logger, int imageSize);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Time budget of {Seconds} s reached; stopping after {Epochs} finished epoch(s)")]
    private static partial void LogTimeBudget(ILogger logger, double seconds, int epochs);
}
