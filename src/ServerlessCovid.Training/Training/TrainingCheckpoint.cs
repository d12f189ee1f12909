using System.Security.Cryptography;
using System.Text.Json;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Models;
using TorchSharp.Modules;

namespace ServerlessCovid.Training.Training;

/// <summary>What a checkpoint folder says about the run, beside the weights and optimizer state it points to.</summary>
public sealed record CheckpointState
{
    public const int CurrentFormatVersion = 1;

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>The run's settings; <see cref="TrainingRequest.Images"/> and <see cref="TrainingRequest.FixedSplit"/> are empty (see <see cref="Split"/>).</summary>
    public required TrainingRequest Request { get; init; }

    public required int EpochsCompleted { get; init; }

    public required IReadOnlyList<EpochMetrics> History { get; init; }

    public required DatasetSplit Split { get; init; }

    public required string ModelSha256 { get; init; }

    public required string OptimizerSha256 { get; init; }

    /// <summary>Wall time spent training so far, over all calls.</summary>
    public double TrainingSeconds { get; init; }

    public DateTimeOffset SavedUtc { get; init; }
}

/// <summary>A checkpoint that cannot be resumed from: missing or truncated files, bad JSON, checksum mismatch.</summary>
public sealed class CheckpointCorruptException : Exception
{
    public CheckpointCorruptException()
    {
    }

    public CheckpointCorruptException(string message)
        : base(message)
    {
    }

    public CheckpointCorruptException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// One folder per run, overwritten after every epoch: <c>model.bin</c> (TorchSharp state dict, BN statistics
/// included), <c>optimizer.bin</c> (SGD momentum buffers) and <c>checkpoint.json</c>, written last and holding the
/// other files' SHA-256, so a crash mid-save leaves the previous checkpoint readable or a clear error.
/// </summary>
public static class TrainingCheckpoint
{
    public const string StateFileName = "checkpoint.json";

    public const string ModelFileName = "model.bin";

    public const string OptimizerFileName = "optimizer.bin";

    public static bool Exists(string directory) => File.Exists(Path.Combine(directory, StateFileName));

    public static void Save(string directory, CheckpointState state, NasNet model, SGD optimizer)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        Directory.CreateDirectory(directory);
        string modelTemp = Path.Combine(directory, ModelFileName + ".tmp");
        string optimizerTemp = Path.Combine(directory, OptimizerFileName + ".tmp");
        model.save(modelTemp);
        optimizer.save_state_dict(optimizerTemp);
        CheckpointState stamped = state with
        {
            Request = state.Request with { Images = [], FixedSplit = null },
            ModelSha256 = Sha256(modelTemp),
            OptimizerSha256 = Sha256(optimizerTemp),
            SavedUtc = DateTimeOffset.UtcNow,
        };
        string stateTemp = Path.Combine(directory, StateFileName + ".tmp");
        File.WriteAllText(stateTemp, JsonSerializer.Serialize(stamped, ManifestJson.Options));
        File.Move(modelTemp, Path.Combine(directory, ModelFileName), overwrite: true);
        File.Move(optimizerTemp, Path.Combine(directory, OptimizerFileName), overwrite: true);
        File.Move(stateTemp, Path.Combine(directory, StateFileName), overwrite: true);
    }

    /// <summary>Reads and verifies checkpoint.json and the checksums of the files it names.</summary>
    public static CheckpointState ReadState(string directory)
    {
        string statePath = Path.Combine(directory, StateFileName);
        if (!File.Exists(statePath))
        {
            throw new CheckpointCorruptException($"'{directory}' holds no checkpoint: {StateFileName} is missing.");
        }

        CheckpointState? state;
        try
        {
            state = JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(statePath), ManifestJson.Options);
        }
        catch (JsonException ex)
        {
            throw new CheckpointCorruptException($"{statePath} is not a valid checkpoint ({ex.Message}); delete the folder to start over.", ex);
        }

        if (state is null || state.Request is null || state.Split is null || state.History is null)
        {
            throw new CheckpointCorruptException($"{statePath} is incomplete; delete the folder to start over.");
        }

        if (state.FormatVersion != CheckpointState.CurrentFormatVersion)
        {
            throw new CheckpointCorruptException(
                $"{statePath} has format version {state.FormatVersion}; this build reads version {CheckpointState.CurrentFormatVersion}.");
        }

        VerifyFile(directory, ModelFileName, state.ModelSha256);
        VerifyFile(directory, OptimizerFileName, state.OptimizerSha256);
        return state;
    }

    /// <summary>Builds the network the checkpoint describes and loads its weights and BN statistics.</summary>
    public static NasNet LoadModel(string directory, CheckpointState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        NasNet model = NasNet.Create(state.Request.Architecture);
        try
        {
            model.load(Path.Combine(directory, ModelFileName));
            return model;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IOException or InvalidDataException)
        {
            model.Dispose();
            throw new CheckpointCorruptException(
                $"{Path.Combine(directory, ModelFileName)} does not fit {state.Request.Architecture.Describe()}: {ex.Message}", ex);
        }
    }

    internal static void LoadOptimizer(string directory, SGD optimizer)
    {
        try
        {
            optimizer.load_state_dict(Path.Combine(directory, OptimizerFileName));
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IOException or InvalidDataException)
        {
            throw new CheckpointCorruptException($"{Path.Combine(directory, OptimizerFileName)} cannot be loaded: {ex.Message}", ex);
        }
    }

    private static void VerifyFile(string directory, string name, string expectedSha256)
    {
        string path = Path.Combine(directory, name);
        if (!File.Exists(path))
        {
            throw new CheckpointCorruptException($"Checkpoint '{directory}' is missing {name}; delete the folder to start over.");
        }

        string actual = Sha256(path);
        if (!string.Equals(actual, expectedSha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new CheckpointCorruptException(
                $"{path} has SHA-256 {actual} but {StateFileName} recorded {expectedSha256}: the file is truncated or corrupt. "
                + "Delete the checkpoint folder to start over.");
        }
    }

    internal static string Sha256(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
