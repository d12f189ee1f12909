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

    /// <summary>Images per ONNX Runtime call on the CPU provider when <see cref="MaxBatchSize"/> is not set.</summary>
    /// <remarks>
    /// On CPU a batch of 16 scored no faster per image than one at a time but doubled the peak memory (every image
    /// of a chunk, and the next chunk, is decoded at once at full size), so CPU batches stay small. Two keeps two
    /// decodes in flight on a multi-core machine.
    /// </remarks>
    public const int CpuDefaultMaxBatchSize = 2;

    /// <summary>Images per ONNX Runtime call on CUDA when <see cref="MaxBatchSize"/> is not set: a GPU needs batches to be busy.</summary>
    public const int CudaDefaultMaxBatchSize = 32;

    /// <summary>
    /// Most images per ONNX Runtime call; larger batches are split, bounding the input tensor's and the decoders'
    /// memory. Unset: <see cref="CpuDefaultMaxBatchSize"/> on CPU, <see cref="CudaDefaultMaxBatchSize"/> on CUDA.
    /// </summary>
    [Range(1, 1024)]
    public int? MaxBatchSize { get; set; }

    /// <summary>The batch limit for a session on <paramref name="executionProvider"/> ("CUDA" or "CPU").</summary>
    public int MaxBatchSizeFor(string executionProvider) =>
        MaxBatchSize ?? (executionProvider == "CUDA" ? CudaDefaultMaxBatchSize : CpuDefaultMaxBatchSize);

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
