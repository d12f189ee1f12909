using System.CommandLine;
using System.Text.Json;
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
        Command command = new("platform", "Check that TorchSharp and ONNX Runtime load here and report the versions.") { json };
        command.SetAction((parse, _) =>
        {
            TorchRuntime.EnsureInitialized();
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
                output.WriteLine(report.runtime);
            }

            return Task.FromResult(CovidCli.Success);
        });
        return command;
    }
}
