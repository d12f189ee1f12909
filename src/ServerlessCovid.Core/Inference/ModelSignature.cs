using Microsoft.ML.OnnxRuntime;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Inference;

/// <summary>
/// Checks, when a model is activated rather than on its first request, that the ONNX graph really has the input
/// and output the manifest promises and that they fit the preprocessing: a mislabelled package fails loudly once.
/// </summary>
internal static class ModelSignature
{
    private static readonly long[] PreprocessedShape = [Preprocessing.Channels, Preprocessing.Size, Preprocessing.Size];

    /// <summary>Returns the largest batch one <c>Run</c> may carry: 1 for a fixed batch of one, else unlimited.</summary>
    public static int Validate(InferenceSession session, ModelManifest manifest)
    {
        string version = manifest.Version;
        if (!session.InputMetadata.TryGetValue(manifest.InputName, out NodeMetadata? input))
        {
            throw new InvalidModelPackageException(
                $"Model {version}: the manifest names input '{manifest.InputName}', but the ONNX graph's inputs are "
                + $"[{string.Join(", ", session.InputMetadata.Keys)}].");
        }

        if (!session.OutputMetadata.TryGetValue(manifest.OutputName, out NodeMetadata? output))
        {
            throw new InvalidModelPackageException(
                $"Model {version}: the manifest names output '{manifest.OutputName}', but the ONNX graph's outputs are "
                + $"[{string.Join(", ", session.OutputMetadata.Keys)}].");
        }

        if (!input.IsTensor || input.ElementType != typeof(float) || !output.IsTensor || output.ElementType != typeof(float))
        {
            throw new InvalidModelPackageException($"Model {version}: input and output must be float32 tensors.");
        }

        int[] inputDims = input.Dimensions;
        if (inputDims.Length != 4 || !Matches(inputDims.AsSpan(1), PreprocessedShape)
            || manifest.InputShape.Count != 4 || !Matches(inputDims, manifest.InputShape))
        {
            throw new InvalidModelPackageException(
                $"Model {version}: input '{manifest.InputName}' has shape {Describe(inputDims)}, the manifest says "
                + $"[{string.Join(", ", manifest.InputShape)}], and preprocessing '{manifest.PreprocessingId}' produces "
                + $"[N, {string.Join(", ", PreprocessedShape)}].");
        }

        int[] outputDims = output.Dimensions;
        if (outputDims.Length != 2 || (outputDims[1] > 0 && outputDims[1] != manifest.ClassNames.Count))
        {
            throw new InvalidModelPackageException(
                $"Model {version}: output '{manifest.OutputName}' has shape {Describe(outputDims)}, but the manifest lists "
                + $"{manifest.ClassNames.Count} classes; expected [N, {manifest.ClassNames.Count}].");
        }

        return inputDims[0] switch
        {
            <= 0 => int.MaxValue,
            1 => 1,
            _ => throw new InvalidModelPackageException(
                $"Model {version}: a fixed batch size of {inputDims[0]} is not supported; export with a dynamic batch dimension."),
        };
    }

    /// <summary>
    /// Whether the graph has the optional <c>cam</c> output. Models exported before it existed have none and still
    /// serve; one that has it in another shape is a broken package and fails at activation like a bad output does.
    /// </summary>
    public static bool HasActivationMap(InferenceSession session, ModelManifest manifest)
    {
        if (!session.OutputMetadata.TryGetValue(ActivationMap.OutputName, out NodeMetadata? cam))
        {
            return false;
        }

        int[] dims = cam.Dimensions;
        if (!cam.IsTensor || cam.ElementType != typeof(float) || dims.Length != 4
            || (dims[1] > 0 && dims[1] != manifest.ClassNames.Count))
        {
            throw new InvalidModelPackageException(
                $"Model {manifest.Version}: output '{ActivationMap.OutputName}' has shape {Describe(dims)}, expected float32 "
                + $"[N, {manifest.ClassNames.Count}, h, w].");
        }

        return true;
    }

    /// <summary>Symbolic or -1 dimensions match anything; fixed ones must agree.</summary>
    private static bool Matches(ReadOnlySpan<int> actual, IReadOnlyList<long> expected)
    {
        for (int i = 0; i < actual.Length; i++)
        {
            if (actual[i] > 0 && expected[i] > 0 && actual[i] != expected[i])
            {
                return false;
            }
        }

        return true;
    }

    private static string Describe(int[] dims) =>
        "[" + string.Join(", ", dims.Select(d => d > 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture) : "N")) + "]";
}
