using System.CommandLine;
using System.Globalization;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Onnx;
using ServerlessCovid.Training.Platform;
using ServerlessCovid.Training.Training;

namespace ServerlessCovid.Cli.Commands;

/// <summary><c>covid export</c>: exports a training checkpoint as a parity-checked model package.</summary>
public static class ExportCommand
{
    public static Command Create()
    {
        Option<DirectoryInfo> checkpoint = new("--checkpoint") { Description = "Checkpoint folder (OUT/checkpoint of covid train).", Required = true };
        Option<DirectoryInfo> output = new("--out") { Description = "Folder to write model.onnx and manifest.json into.", Required = true };
        Option<string?> version = new("--version") { Description = "Model version (default: nasnet-<preset>-<UTC time>)." };
        Command command = new("export", "Export a checkpoint to ONNX, prove parity with ONNX Runtime and write a model package.") { checkpoint, output, version };
        command.SetAction(async (parse, _) =>
        {
            TextWriter writer = parse.InvocationConfiguration.Output;
            TorchRuntime.EnsureInitialized();
            try
            {
                string directory = parse.GetValue(checkpoint)!.FullName;
                CheckpointState state = TrainingCheckpoint.ReadState(directory);
                string modelVersion = parse.GetValue(version) ?? $"nasnet-{state.Request.Preset}-{DateTime.UtcNow:yyyyMMddHHmmss}";
                PublishResult published = new ModelPublisher(new XrayPreprocessorImageLoader())
                    .PublishCheckpoint(directory, modelVersion, parse.GetValue(output)!.FullName, out int missing);
                if (missing > 0)
                {
                    writer.WriteLine($"{missing} validation image(s) of the checkpoint no longer exist; threshold and parity used the rest.");
                }

                PrintPackage(writer, published);
                return CovidCli.Success;
            }
            catch (Exception ex) when (ex is CheckpointCorruptException or ParityFailedException)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return CovidCli.Failure;
            }
        });
        return command;
    }

    internal static void PrintPackage(TextWriter writer, PublishResult published)
    {
        ModelManifest m = published.Package.Manifest;
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Model {m.Version} written to {published.Directory}: parity max |Δp| {m.Parity!.MaxAbsoluteDifference:G3} on "
            + $"{m.Parity.InputsCompared} inputs (tolerance {m.Parity.Tolerance:G3}); threshold {m.OperatingThreshold:F4} ({m.ThresholdMethod})."));
        if (m.Evaluation is { } e)
        {
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Validation: accuracy {e.Accuracy:F3}, AUC {e.PositiveClassAuc:F3}, sensitivity {e.SensitivityAtThreshold:F3}, "
                + $"specificity {e.SpecificityAtThreshold:F3} on {e.Samples} images."));
        }

        writer.WriteLine(Disclaimers.ResearchOnly);
    }
}
