using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Testing.Onnx;

namespace ServerlessCovid.Core.Tests.Inference;

public sealed class OnnxSessionFactoryTests
{
    private static OnnxSessionFactory Factory(ExecutionProviderPreference preference, FakeLogger<OnnxSessionFactory> logger) =>
        new(Options.Create(new InferenceOptions { ExecutionProvider = preference }), logger);

    [Fact]
    public void Create_AutoWhenProbeFindsNoCuda_UsesCpuWithOneInfoLineSayingWhy()
    {
        // Arrange
        FakeLogger<OnnxSessionFactory> logger = new();
        CudaAvailability missing = new(false, "no NVIDIA driver (libcuda.so.1 not found)");

        // Act
        using OnnxSession session = Factory(ExecutionProviderPreference.Auto, logger).Create(TinyOnnxModels.ChannelContrastClassifier(), missing);

        // Assert: ONNX Runtime was never asked for CUDA, so there is no warning (and no native error line).
        Assert.Equal("CPU", session.ExecutionProvider);
        IReadOnlyList<FakeLogRecord> records = logger.Collector.GetSnapshot();
        FakeLogRecord info = Assert.Single(records);
        Assert.Equal(LogLevel.Information, info.Level);
        Assert.Contains("CPU", info.Message, StringComparison.Ordinal);
        Assert.Contains("libcuda.so.1 not found", info.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_AutoWhenProbePassesButProviderFails_FallsBackToCpuAndWarnsWhy()
    {
        // Arrange: the probe is told CUDA is there; on this CPU machine ONNX Runtime's provider then fails.
        FakeLogger<OnnxSessionFactory> logger = new();

        // Act
        using OnnxSession session = Factory(ExecutionProviderPreference.Auto, logger)
            .Create(TinyOnnxModels.ChannelContrastClassifier(), new CudaAvailability(true, "assumed"));

        // Assert
        Assert.Equal("CPU", session.ExecutionProvider);
        FakeLogRecord fallback = Assert.Single(logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Warning);
        Assert.Contains("falling back to CPU", fallback.Message, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(fallback.StructuredState!.Single(s => s.Key == "Reason").Value));
    }

    [Fact]
    public void Probe_MissingLibrary_NotAvailableAndNamesIt()
    {
        // Act
        CudaAvailability result = CudaProbe.Probe(["libc.so.6", "libserverlesscovid-not-there.so.13"]);

        // Assert
        Assert.False(result.Available);
        Assert.Contains("libserverlesscovid-not-there.so.13 not found", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_PresentLibraries_AvailableAndListsThem()
    {
        // Act
        CudaAvailability result = CudaProbe.Probe(["libc.so.6", "libm.so.6"]);

        // Assert
        Assert.True(result.Available);
        Assert.Contains("libm.so.6", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_CudaWithoutCuda_ThrowsClearError()
    {
        // Arrange
        OnnxSessionFactory factory = Factory(ExecutionProviderPreference.Cuda, new FakeLogger<OnnxSessionFactory>());

        // Act
        ExecutionProviderUnavailableException error = Assert.Throws<ExecutionProviderUnavailableException>(
            () => factory.Create(TinyOnnxModels.ChannelContrastClassifier()));

        // Assert
        Assert.Contains("Inference:ExecutionProvider is 'cuda'", error.Message, StringComparison.Ordinal);
        Assert.IsType<OnnxRuntimeException>(error.InnerException);
    }

    [Fact]
    public void Create_Cpu_RunsTheModelWithTheOrtValueApi()
    {
        // Arrange: a pure red batch of two; the tiny model says class 0 when red outshines green.
        using OnnxSession session = Factory(ExecutionProviderPreference.Cpu, new FakeLogger<OnnxSessionFactory>())
            .Create(TinyOnnxModels.ChannelContrastClassifier());
        float[] pixels = new float[2 * Preprocessing.ValuesPerImage];
        Array.Fill(pixels, 1f, 0, Preprocessing.Size * Preprocessing.Size);
        Array.Fill(pixels, 1f, Preprocessing.ValuesPerImage, Preprocessing.Size * Preprocessing.Size);
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(pixels, [2, 3, Preprocessing.Size, Preprocessing.Size]);
        using RunOptions runOptions = new();

        // Act
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Session.Run(
            runOptions, ["image"], [input], ["probabilities"]);

        // Assert: softmax(10·1, 10·0) = 1/(1+e^-10) for both images.
        ReadOnlySpan<float> probabilities = outputs[0].GetTensorDataAsSpan<float>();
        Assert.Equal([2L, 2L], outputs[0].GetTensorTypeAndShape().Shape);
        double expected = 1 / (1 + Math.Exp(-10));
        Assert.Equal(expected, probabilities[0], 5);
        Assert.Equal(1 - expected, probabilities[1], 5);
        Assert.Equal(expected, probabilities[2], 5);
    }
}
