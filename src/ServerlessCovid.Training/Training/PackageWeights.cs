using System.Text.Json;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Models;

namespace ServerlessCovid.Training.Training;

/// <summary>
/// The TorchSharp side of a model package's weights, which Core only sees as checked bytes: the state dict exactly as
/// <c>Module.save</c> writes it (the checkpoint's <c>model.bin</c> format, BN statistics included), and the
/// <see cref="NasNetConfig"/> it belongs to, so a later run can tell whether the weights fit its network.
/// </summary>
public static class PackageWeights
{
    public const string Format = "torchsharp-state-dict";

    public static byte[] Save(NasNet model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using MemoryStream stream = new();
        model.save(stream);
        return stream.ToArray();
    }

    /// <summary>The manifest entry for weights of <paramref name="architecture"/>; <c>ModelPackage.Create</c> fills in the checksum.</summary>
    public static ModelWeightsInfo Describe(NasNetConfig architecture) => new()
    {
        Sha256 = string.Empty,
        Format = Format,
        Architecture = JsonSerializer.SerializeToElement(architecture, ManifestJson.Options),
    };

    /// <summary>The architecture the weights were saved from; null when they are not TorchSharp NASNet weights this build reads.</summary>
    public static NasNetConfig? ReadArchitecture(ModelWeightsInfo weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Format != Format || weights.Architecture.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        try
        {
            return weights.Architecture.Deserialize<NasNetConfig>(ManifestJson.Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
