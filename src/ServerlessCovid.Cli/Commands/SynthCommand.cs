using System.CommandLine;
using System.Globalization;
using ServerlessCovid.Core.Datasets.Synthetic;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Cli.Commands;

/// <summary><c>covid synth</c>: writes a balanced synthetic chest x-ray dataset (normal/, covid/, manifest.csv).</summary>
public static class SynthCommand
{
    public static Command Create()
    {
        Option<DirectoryInfo> output = new("--out") { Description = "Folder to write normal/, covid/ and manifest.csv into.", Required = true };
        Option<int> count = new("--count") { Description = "Number of images (balanced; odd indices are COVID).", DefaultValueFactory = _ => 240 };
        Option<int> seed = new("--seed") { Description = "Seed: the same seed gives the same images.", DefaultValueFactory = _ => 42 };
        Option<int> size = new("--size") { Description = "Nominal image size in pixels; each image varies around it.", DefaultValueFactory = _ => 512 };
        Option<DirectoryInfo?> grid = new("--grid") { Description = "Also write one sample grid PNG per class into this folder." };
        Option<bool> unilateral = new("--unilateral")
        {
            Description = "Draw every COVID image's findings in one lung only (a localisation probe: does the heat map pick the right lung?).",
        };
        count.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1)
            {
                r.AddError("--count must be at least 1.");
            }
        });
        size.Validators.Add(r =>
        {
            int value = r.GetValueOrDefault<int>();
            if (value is < SyntheticXrayGenerator.MinimumSize or > SyntheticXrayGenerator.MaximumSize)
            {
                r.AddError($"--size must be between {SyntheticXrayGenerator.MinimumSize} and {SyntheticXrayGenerator.MaximumSize}.");
            }
        });

        Command command = new("synth", "Generate synthetic chest x-rays (research and demos only: proves the pipeline, not accuracy).")
        {
            output, count, seed, size, grid, unilateral,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            TextWriter writer = parse.InvocationConfiguration.Output;
            string directory = parse.GetValue(output)!.FullName;
            int seedValue = parse.GetValue(seed);
            int sizeValue = parse.GetValue(size);
            SyntheticDatasetResult result = SyntheticXrayGenerator.WriteDataset(
                directory, parse.GetValue(count), seedValue, sizeValue, parse.GetValue(unilateral), cancellationToken);
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Wrote {result.Entries.Count} images ({result.Count(ClassNames.Normal)} normal, {result.Count(ClassNames.Covid)} covid) "
                + $"at nominal size {sizeValue} to {directory} in {result.Elapsed.TotalSeconds:0.00} s "
                + $"({result.Entries.Count / Math.Max(1e-9, result.Elapsed.TotalSeconds):0.0} images/s)."));
            DirectoryInfo? gridDirectory = parse.GetValue(grid);
            if (gridDirectory is not null)
            {
                Directory.CreateDirectory(gridDirectory.FullName);
                foreach (string label in ClassNames.InOutputOrder)
                {
                    string path = Path.Combine(gridDirectory.FullName, $"synthetic-{label}.png");
                    File.WriteAllBytes(path, SyntheticSampleGrid.Render(seedValue, label, rows: 3, columns: 4, size: sizeValue));
                    writer.WriteLine($"Sample grid: {path}");
                }
            }

            writer.WriteLine(Disclaimers.ResearchOnly);
            return Task.FromResult(CovidCli.Success);
        });
        return command;
    }
}
