using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Models;
using ServerlessCovid.Training.Platform;
using ServerlessCovid.Training.Training;

namespace ServerlessCovid.Cli.Commands;

/// <summary><c>covid model-info</c>: parameter counts, multiply-adds at an input size, and the cell-by-cell layout.</summary>
public static class ModelInfoCommand
{
    public static Command Create()
    {
        Option<string> preset = new("--preset") { Description = "Architecture of this preset (paper and learn are NASNetMobile).", DefaultValueFactory = _ => TrainingPresets.Paper };
        preset.AcceptOnlyFromAmong([.. TrainingPresets.Names]);
        Option<int> size = new("--size") { Description = "Input size (pixels) to count multiply-adds at.", DefaultValueFactory = _ => Preprocessing.Size };
        size.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 32 or > 1024)
            {
                r.AddError("--size must be between 32 and 1024.");
            }
        });
        Option<bool> json = new("--json") { Description = "Print machine-readable JSON." };
        Command command = new("model-info", "Show the NASNet architecture: parameters, batch-norm statistics, multiply-adds and cells.") { preset, size, json };
        command.SetAction((parse, _) =>
        {
            TorchRuntime.EnsureInitialized();
            using NasNet model = NasNet.Create(TrainingPresets.Get(parse.GetValue(preset)!).Architecture);
            ModelInfo info = ModelInfo.Measure(model, parse.GetValue(size));
            TextWriter output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(info, ManifestJson.Options));
                return Task.FromResult(CovidCli.Success);
            }

            CultureInfo c = CultureInfo.InvariantCulture;
            output.WriteLine(info.Architecture);
            output.WriteLine(string.Create(c, $"Trainable parameters: {info.TrainableParameters:N0} (head {info.HeadParameters:N0})"));
            output.WriteLine(string.Create(c, $"Batch-norm running statistics (Keras non-trainable): {info.BatchNormStatistics:N0}"));
            output.WriteLine(string.Create(c, $"Multiply-adds at {info.InputSize}×{info.InputSize}: {info.MultiplyAdds / 1e6:N1} M"));
            output.WriteLine();
            output.WriteLine($"{"cell",-10} {"kind",-22} {"filters",7} {"adjust p",-20} {"output",-18} {"params",10}");
            foreach (CellSummary cell in info.Cells)
            {
                string shape = string.Join('×', cell.OutputShape.Skip(1));
                output.WriteLine(string.Create(c, $"{cell.Name,-10} {cell.Kind,-22} {cell.Filters,7} {cell.Adjust,-20} {shape,-18} {cell.Parameters,10:N0}"));
            }

            return Task.FromResult(CovidCli.Success);
        });
        return command;
    }
}
