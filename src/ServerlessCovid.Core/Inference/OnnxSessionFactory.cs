using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;

namespace ServerlessCovid.Core.Inference;

/// <summary>An ONNX Runtime session and the execution provider it really runs on.</summary>
public sealed class OnnxSession(InferenceSession session, string executionProvider) : IDisposable
{
    public InferenceSession Session { get; } = session;

    /// <summary>"CUDA" or "CPU".</summary>
    public string ExecutionProvider { get; } = executionProvider;

    public void Dispose() => Session.Dispose();
}

/// <summary>CUDA was demanded (<see cref="ExecutionProviderPreference.Cuda"/>) but cannot be used here.</summary>
public sealed class ExecutionProviderUnavailableException : Exception
{
    public ExecutionProviderUnavailableException()
    {
    }

    public ExecutionProviderUnavailableException(string message)
        : base(message)
    {
    }

    public ExecutionProviderUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Creates sessions with the configured execution provider. Providers must be chosen in <see cref="SessionOptions"/>
/// before the session exists, and CPU is always the last resort.
/// </summary>
public sealed partial class OnnxSessionFactory(IOptions<InferenceOptions> options, ILogger<OnnxSessionFactory> logger)
{
    private readonly InferenceOptions _options = options.Value;

    public OnnxSession Create(ReadOnlyMemory<byte> model)
    {
        byte[] bytes = model.ToArray();
        if (_options.ExecutionProvider != ExecutionProviderPreference.Cpu)
        {
            SessionOptions cudaOptions = NewSessionOptions();
            try
            {
                cudaOptions.AppendExecutionProvider_CUDA(_options.CudaDeviceId);
                InferenceSession session = new(bytes, cudaOptions);
                LogProviderChosen(logger, "CUDA", _options.CudaDeviceId);
                return new OnnxSession(session, "CUDA");
            }
            catch (OnnxRuntimeException ex) when (_options.ExecutionProvider == ExecutionProviderPreference.Auto)
            {
                LogCudaFallback(logger, ex.Message);
            }
            catch (OnnxRuntimeException ex)
            {
                throw new ExecutionProviderUnavailableException(
                    $"Inference:ExecutionProvider is 'cuda' but ONNX Runtime cannot use CUDA device {_options.CudaDeviceId}: "
                    + $"{ex.Message} Install the CUDA 13 / cuDNN 9 runtime and a GPU driver, or set it to 'auto' or 'cpu'.",
                    ex);
            }
            finally
            {
                cudaOptions.Dispose();
            }
        }

        using SessionOptions cpuOptions = NewSessionOptions();
        InferenceSession cpu = new(bytes, cpuOptions);
        LogProviderChosen(logger, "CPU", 0);
        return new OnnxSession(cpu, "CPU");
    }

    private SessionOptions NewSessionOptions()
    {
        SessionOptions sessionOptions = new()
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        if (_options.IntraOpThreads > 0)
        {
            sessionOptions.IntraOpNumThreads = _options.IntraOpThreads;
        }

        if (!_options.AllowSpinning)
        {
            sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        }

        return sessionOptions;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "ONNX Runtime session created on {Provider} (device {DeviceId})")]
    private static partial void LogProviderChosen(ILogger logger, string provider, int deviceId);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "CUDA execution provider unavailable, falling back to CPU: {Reason}")]
    private static partial void LogCudaFallback(ILogger logger, string reason);
}
