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
/// every probability. Proves the exporter, not the model: the same weights must give the same answers.
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
        bool wasTraining = model.training;
        model.eval();
        double maxDifference = 0;
        try
        {
            foreach (float[][] chunk in inputs.Chunk(ChunkSize))
            {
                float[] batch = chunk.SelectMany(x => x).ToArray();
                long[] shape = [chunk.Length, 3, inputSize, inputSize];
                float[] expected = TorchProbabilities(model, batch, shape);
                float[] actual = OnnxProbabilities(session.Session, batch, shape);
                for (int i = 0; i < expected.Length; i++)
                {
                    maxDifference = Math.Max(maxDifference, Math.Abs(expected[i] - actual[i]));
                }
            }
        }
        finally
        {
            model.train(wasTraining);
        }

        ParitySummary summary = new() { MaxAbsoluteDifference = maxDifference, Tolerance = tolerance, InputsCompared = inputs.Count };
        if (!summary.Passed || double.IsNaN(maxDifference))
        {
            throw new ParityFailedException(
                $"ONNX Runtime and TorchSharp disagree by up to {maxDifference:G3} on {inputs.Count} inputs (tolerance "
                + $"{tolerance:G3}); the export is wrong and the model was not published.")
            { Summary = summary };
        }

        return summary;
    }

    private static float[] TorchProbabilities(NasNet model, float[] batch, long[] shape)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor input = tensor(batch, shape);
        return nn.functional.softmax(model.forward(input), 1).data<float>().ToArray();
    }

    private static float[] OnnxProbabilities(InferenceSession session, float[] batch, long[] shape)
    {
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(batch, shape);
        using RunOptions runOptions = new();
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(
            runOptions, [NasNetOnnxExporter.InputName], [input], [NasNetOnnxExporter.OutputName]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
