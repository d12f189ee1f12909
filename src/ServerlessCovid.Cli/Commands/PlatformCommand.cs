using System.CommandLine;
using System.Text.Json;
using ServerlessCovid.Cli.Infrastructure;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Platform;
using TorchSharp;

namespace ServerlessCovid.Cli.Commands;

/// <summary><c>covid platform</c>: proves the native stack (libtorch, ONNX Runtime) loads on this machine.</summary>
public static class PlatformCommand
{
    public static Command Create()
    {
        Option<bool> json = new("--json") { Description = "Print machine-readable JSON." };
        Command command = new("platform", "Check that TorchSharp and ONNX Runtime load here, whether CUDA is usable, and report the versions.") { json };
        command.SetAction((parse, _) =>
        {
            TorchRuntime.EnsureInitialized();
            CudaAvailability cuda = CudaProbe.Current;
            ExecutionProviderPreference preference = CliServices.GetInferenceOptions(new CliContext(parse)).ExecutionProvider;
            string provider = preference switch
            {
                ExecutionProviderPreference.Cpu => "CPU (Inference:ExecutionProvider is 'cpu')",
                ExecutionProviderPreference.Cuda => cuda.Available ? "CUDA (Inference:ExecutionProvider is 'cuda')"
                    : "none: Inference:ExecutionProvider is 'cuda' and CUDA is not usable, so sessions will fail",
                _ => cuda.Available ? "CUDA if the GPU accepts it, else CPU (Inference:ExecutionProvider is 'auto')"
                    : "CPU (Inference:ExecutionProvider is 'auto' and CUDA is not usable)",
            };
            using var scope = torch.NewDisposeScope();
            torch.Tensor x = torch.ones(2, 2, requires_grad: true);
            torch.Tensor y = (x * x).sum();
            y.backward();
            var report = new
            {
                libtorch = torch.__version__,
                torchSharpCompatLibrary = TorchRuntime.LoadedCompatLibrary ?? "not needed",
                onnxRuntime = typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version?.ToString(),
                gradientCheck = x.grad!.sum().item<float>(),
                ompWaitPolicy = TorchRuntime.OpenMpWaitPolicy,
                ompWaitPolicyDefaulted = TorchRuntime.OpenMpWaitPolicyDefaulted,
                runtime = RuntimeSettings.Describe(),
                cudaAvailable = cuda.Available,
                cuda = cuda.Reason,
                onnxRuntimeProvider = provider,
            };
            TextWriter output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(report, ManifestJson.Options));
            }
            else
            {
                output.WriteLine($"libtorch {report.libtorch}; compat library: {report.torchSharpCompatLibrary}");
                output.WriteLine($"ONNX Runtime {report.onnxRuntime}; gradient check {report.gradientCheck} (expected 8)");
                output.WriteLine($"CUDA: {(cuda.Available ? "available" : "not usable")} ({cuda.Reason}); ONNX Runtime will use {provider}");
                output.WriteLine(report.runtime);
            }

            return Task.FromResult(CovidCli.Success);
        });
        return command;
    }
}
