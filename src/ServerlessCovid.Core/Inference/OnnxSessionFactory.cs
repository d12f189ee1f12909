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

    public OnnxSession Create(ReadOnlyMemory<byte> model) => Create(model, CudaProbe.Current);

    /// <summary>
    /// Creates a session given what the CUDA probe found. <c>auto</c> goes straight to CPU when a CUDA library is
    /// missing, so ONNX Runtime never tries (and never prints its native error); <c>cuda</c> always asks ONNX Runtime,
    /// so a broken GPU image fails loudly with its real error.
    /// </summary>
    public OnnxSession Create(ReadOnlyMemory<byte> model, CudaAvailability cuda)
    {
        ArgumentNullException.ThrowIfNull(cuda);
        byte[] bytes = model.ToArray();
        string reason;
        if (_options.ExecutionProvider == ExecutionProviderPreference.Cpu)
        {
            reason = "Inference:ExecutionProvider is 'cpu'";
        }
        else if (_options.ExecutionProvider == ExecutionProviderPreference.Auto && !cuda.Available)
        {
            reason = $"Inference:ExecutionProvider is 'auto' and CUDA is not usable here: {cuda.Reason}";
        }
        else
        {
            SessionOptions cudaOptions = NewSessionOptions();
            try
            {
                // ONNX Runtime logs a failed provider load natively at ERROR before throwing; the exception carries the
                // same text, so keep its own logging to fatal errors while trying.
                cudaOptions.LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
                cudaOptions.AppendExecutionProvider_CUDA(_options.CudaDeviceId);
                InferenceSession session = new(bytes, cudaOptions);
                string cudaReason = $"Inference:ExecutionProvider is '{Name(_options.ExecutionProvider)}' and {cuda.Reason}";
                LogProviderChosen(logger, "CUDA", _options.CudaDeviceId, cudaReason);
                return new OnnxSession(session, "CUDA");
            }
            catch (OnnxRuntimeException ex) when (_options.ExecutionProvider == ExecutionProviderPreference.Auto)
            {
                LogCudaFallback(logger, ex.Message);
                reason = "the CUDA execution provider failed to start (see the warning above)";
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
        LogProviderChosen(logger, "CPU", 0, reason);
        return new OnnxSession(cpu, "CPU");
    }

    private static string Name(ExecutionProviderPreference preference) => preference.ToString().ToLowerInvariant();

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

    [LoggerMessage(Level = LogLevel.Information, Message = "ONNX Runtime session on {Provider} (device {DeviceId}): {Reason}")]
    private static partial void LogProviderChosen(ILogger logger, string provider, int deviceId, string reason);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "CUDA execution provider unavailable, falling back to CPU: {Reason}")]
    private static partial void LogCudaFallback(ILogger logger, string reason);
}
