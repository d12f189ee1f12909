using System.ComponentModel.DataAnnotations;

namespace ServerlessCovid.Core.Inference;

/// <summary>Which ONNX Runtime execution provider to use.</summary>
public enum ExecutionProviderPreference
{
    /// <summary>CUDA when its libraries and a GPU are present, otherwise CPU (the reason is logged).</summary>
    Auto,

    /// <summary>CUDA or fail: for GPU deployments where a silent CPU fallback would hide a broken image.</summary>
    Cuda,

    /// <summary>CPU only.</summary>
    Cpu,
}

/// <summary>Settings section <c>Inference</c>.</summary>
public sealed class InferenceOptions
{
    public const string SectionName = "Inference";

    public ExecutionProviderPreference ExecutionProvider { get; set; } = ExecutionProviderPreference.Auto;

    [Range(0, 64)]
    public int CudaDeviceId { get; set; }

    /// <summary>Threads per ONNX Runtime operator; 0 lets ONNX Runtime choose.</summary>
    [Range(0, 256)]
    public int IntraOpThreads { get; set; }

    /// <summary>
    /// Whether ONNX Runtime's operator threads busy-wait between operators. Off by default: in serving, decoding the
    /// next image runs on the same cores right after a <c>Run</c>, and threads spinning for work that is not coming
    /// halve its speed on a small machine. Turn on for a dedicated inference box where only <c>Run</c> matters.
    /// </summary>
    public bool AllowSpinning { get; set; }

    /// <summary>
    /// Most images per ONNX Runtime call, for batch scoring and for dynamic batching alike; larger batches are
    /// split, bounding the input tensor's memory.
    /// </summary>
    [Range(1, 1024)]
    public int MaxBatchSize { get; set; } = 32;

    /// <summary>
    /// Dynamic batching of concurrent single-image calls (blob invocations, HTTP triage): how long the first queued
    /// image waits for others to share its ONNX Runtime run. 0 turns batching off (each call runs alone, concurrently).
    /// Unset, it follows the execution provider: <see cref="CudaBatchWindowMilliseconds"/> on CUDA, where a run of 32
    /// costs little more than a run of one, and 0 on CPU, where a run's cost grows with its images and batching only
    /// adds the wait (measure with <c>covid bench pipeline</c>).
    /// </summary>
    [Range(0.0, 1000.0)]
    public double? BatchWindowMilliseconds { get; set; }

    /// <summary>The window used on CUDA when <see cref="BatchWindowMilliseconds"/> is unset.</summary>
    public const double CudaBatchWindowMilliseconds = 2;

    /// <summary>The batching window for a session on <paramref name="executionProvider"/> ("CUDA" or "CPU").</summary>
    public TimeSpan BatchWindowFor(string executionProvider) => TimeSpan.FromMilliseconds(
        BatchWindowMilliseconds ?? (executionProvider == "CUDA" ? CudaBatchWindowMilliseconds : 0));
}
