using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace ServerlessCovid.Training.Onnx;

/// <summary>The exported graph disagrees with the TorchSharp model: the package must not be published.</summary>
public sealed class ParityFailedException : Exception
{
    public ParityFailedException()
    {
    }

    public ParityFailedException(string message)
        : base(message)
    {
    }

    public ParityFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ParitySummary? Summary { get; init; }
}

/// <summary>
/// Runs the ONNX model in ONNX Runtime (CPU) and the TorchSharp model in eval mode on the same inputs and compares
/// every probability and, when the graph has it, every value of the <c>cam</c> output. Proves the exporter, not the
/// model: the same weights must give the same answers.
/// </summary>
public static class OnnxParityChecker
{
    public const double DefaultTolerance = 1e-4;

    private const int ChunkSize = 4;

    /// <summary>
    /// Compares on <paramref name="randomInputs"/> uniform random images plus <paramref name="images"/> (preprocessed
    /// CHW float arrays of validation images). Throws <see cref="ParityFailedException"/> beyond the tolerance.
    /// </summary>
    public static ParitySummary Verify(
        NasNet model,
        byte[] onnx,
        IReadOnlyList<float[]> images,
        int randomInputs = 4,
        int inputSize = Preprocessing.Size,
        double tolerance = DefaultTolerance,
        int seed = 12345)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        List<float[]> inputs = [.. images];
        Random random = new(seed);
        int values = 3 * inputSize * inputSize;
        for (int i = 0; i < randomInputs; i++)
        {
            float[] noise = new float[values];
            for (int v = 0; v < values; v++)
            {
                noise[v] = random.NextSingle();
            }

            inputs.Add(noise);
        }

        OnnxSessionFactory factory = new(
            Options.Create(new InferenceOptions { ExecutionProvider = ExecutionProviderPreference.Cpu }),
            NullLogger<OnnxSessionFactory>.Instance);
        using OnnxSession session = factory.Create(onnx);
        bool hasCam = session.Session.OutputMetadata.ContainsKey(NasNetOnnxExporter.CamOutputName);
        string[] outputNames = hasCam
            ? [NasNetOnnxExporter.OutputName, NasNetOnnxExporter.CamOutputName]
            : [NasNetOnnxExporter.OutputName];
        bool wasTraining = model.training;
        model.eval();
        double maxDifference = 0;
        double camMaxDifference = 0;
        double camMaxMagnitude = 0;
        try
        {
            foreach (float[][] chunk in inputs.Chunk(ChunkSize))
            {
                float[] batch = chunk.SelectMany(x => x).ToArray();
                long[] shape = [chunk.Length, 3, inputSize, inputSize];
                (float[] expected, float[] expectedCam) = TorchOutputs(model, batch, shape);
                float[][] actual = OnnxOutputs(session.Session, batch, shape, outputNames);
                maxDifference = Math.Max(maxDifference, MaxDifference(expected, actual[0]));
                if (hasCam)
                {
                    camMaxDifference = Math.Max(camMaxDifference, MaxDifference(expectedCam, actual[1]));
                    camMaxMagnitude = Math.Max(camMaxMagnitude, expectedCam.Max(v => Math.Abs(v)));
                }
            }
        }
        finally
        {
            model.train(wasTraining);
        }

        // Probabilities live in [0, 1], so an absolute tolerance is a fixed precision. The maps are unbounded logits:
        // float32 rounding of a K-term sum grows with its magnitude (a map of ±50 carries ~1e-5 of rounding per term),
        // so the tolerance scales with the largest value once that exceeds 1, i.e. it is relative beyond unit scale.
        double? camTolerance = hasCam ? tolerance * Math.Max(1, camMaxMagnitude) : null;
        ParitySummary summary = new()
        {
            MaxAbsoluteDifference = maxDifference,
            Tolerance = tolerance,
            InputsCompared = inputs.Count,
            CamMaxAbsoluteDifference = hasCam ? camMaxDifference : null,
            CamTolerance = camTolerance,
        };
        if (!summary.Passed || double.IsNaN(maxDifference) || double.IsNaN(camMaxDifference))
        {
            throw new ParityFailedException(
                $"ONNX Runtime and TorchSharp disagree by up to {maxDifference:G3} in probabilities (tolerance {tolerance:G3})"
                + (hasCam ? $" and {camMaxDifference:G3} in class activation maps (tolerance {camTolerance:G3})" : string.Empty)
                + $" on {inputs.Count} inputs; the export is wrong and the model was not published.")
            { Summary = summary };
        }

        return summary;
    }

    /// <summary>NaN anywhere makes the difference NaN, which fails the check (Math.Max propagates NaN).</summary>
    private static double MaxDifference(float[] expected, float[] actual)
    {
        double max = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            max = Math.Max(max, Math.Abs(expected[i] - actual[i]));
        }

        return max;
    }

    private static (float[] Probabilities, float[] Maps) TorchOutputs(NasNet model, float[] batch, long[] shape)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor input = tensor(batch, shape);
        (Tensor logits, Tensor maps) = model.ForwardWithMaps(input);
        return (nn.functional.softmax(logits, 1).data<float>().ToArray(), maps.contiguous().data<float>().ToArray());
    }

    private static float[][] OnnxOutputs(InferenceSession session, float[] batch, long[] shape, string[] outputNames)
    {
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(batch, shape);
        using RunOptions runOptions = new();
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(
            runOptions, [NasNetOnnxExporter.InputName], [input], outputNames);
        return [.. outputs.Select(output => output.GetTensorDataAsSpan<float>().ToArray())];
    }
}
