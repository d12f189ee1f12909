using System.Runtime.InteropServices;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Models;

namespace ServerlessCovid.Training.Training;

/// <summary>
/// Weights a fresh training run starts from instead of random initialisation (warm start), set as
/// <see cref="TrainingRequest.InitialWeights"/>. A resumed run ignores them: its checkpoint is further along.
/// The file is a TorchSharp state dict (<see cref="PackageWeights"/>, or a checkpoint's <c>model.bin</c>) of
/// <see cref="Architecture"/>; when <see cref="Sha256"/> is set the file must match it.
/// </summary>
/// <param name="WeightsPath">The weights file.</param>
/// <param name="Architecture">The network the weights belong to; must equal the request's.</param>
/// <param name="Sha256">Expected lower-case hex SHA-256 of the file, or null to skip the check.</param>
/// <param name="Source">Where the weights came from, for logs and records (e.g. "model 20261129-...").</param>
public sealed record InitialWeights(string WeightsPath, NasNetConfig Architecture, string? Sha256 = null, string? Source = null)
{
    /// <summary>Weights in a file, checked against the file's current checksum from now on.</summary>
    public static InitialWeights FromFile(string weightsPath, NasNetConfig architecture, string? source = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(weightsPath);
        return new InitialWeights(weightsPath, architecture, TrainingCheckpoint.Sha256(weightsPath), source ?? weightsPath);
    }

    /// <summary>The weights of a model package folder (what <c>covid train</c> and <c>covid export</c> write).</summary>
    /// <exception cref="InvalidModelWeightsException">The package carries no usable NASNet weights.</exception>
    public static InitialWeights FromPackageDirectory(string directory)
    {
        ModelPackage package = ModelPackage.LoadFromDirectory(directory);
        ModelWeightsInfo weights = package.Manifest.Weights
            ?? throw new InvalidModelWeightsException($"Model {package.Manifest.Version} in '{directory}' carries no weights.");
        NasNetConfig architecture = PackageWeights.ReadArchitecture(weights)
            ?? throw new InvalidModelWeightsException(
                $"Model {package.Manifest.Version} carries '{weights.Format}' weights; this build reads '{PackageWeights.Format}' NASNet weights.");
        return new InitialWeights(Path.Combine(directory, weights.FileName), architecture, weights.Sha256, $"model {package.Manifest.Version}");
    }

    /// <summary>Loads the weights (parameters and BN statistics) into a freshly built <paramref name="model"/>.</summary>
    /// <exception cref="InvalidModelWeightsException">Other architecture, checksum mismatch, or an unreadable file.</exception>
    public void LoadInto(NasNet model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Config != Architecture)
        {
            throw new InvalidModelWeightsException(
                $"The initial weights {Source ?? WeightsPath} belong to {Architecture.Describe()}, not to {model.Config.Describe()}.");
        }

        if (!File.Exists(WeightsPath))
        {
            throw new InvalidModelWeightsException($"The initial weights file {WeightsPath} does not exist.");
        }

        if (Sha256 is not null && !string.Equals(TrainingCheckpoint.Sha256(WeightsPath), Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidModelWeightsException(
                $"The initial weights {WeightsPath} do not have the expected SHA-256 {Sha256}: the file is corrupt or was replaced.");
        }

        try
        {
            model.load(WeightsPath);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IOException or InvalidDataException or ExternalException)
        {
            throw new InvalidModelWeightsException($"The initial weights {WeightsPath} cannot be loaded into {model.Config.Describe()}: {ex.Message}", ex);
        }
    }
}
