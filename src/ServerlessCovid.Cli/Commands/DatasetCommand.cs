using System.CommandLine;
using System.Globalization;
using ServerlessCovid.Core.Datasets;
using ServerlessCovid.Core.Datasets.Import;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Cli.Commands;

/// <summary><c>covid dataset build</c>: rebuilds the paper's dataset from local copies of the public sources.</summary>
public static class DatasetCommand
{
    private const int ProblemsShown = 50;

    public static Command Create()
    {
        Command dataset = new("dataset", "Build training datasets from the public sources.");
        dataset.Subcommands.Add(CreateBuild());
        return dataset;
    }

    private static Command CreateBuild()
    {
        Option<DirectoryInfo> cohen = new("--cohen") { Description = "Local copy of covid-chestxray-dataset (metadata.csv + images/).", Required = true };
        Option<DirectoryInfo> kermany = new("--kermany") { Description = "Local copy of the Kermany set (chest_xray/{train,test,val}/{NORMAL,PNEUMONIA}).", Required = true };
        Option<DirectoryInfo> output = new("--out") { Description = "Folder to write covid/, normal/ and manifest.csv into.", Required = true };
        Option<int> perClass = new("--per-class") { Description = "Images per class (the paper used 120).", DefaultValueFactory = _ => 120 };
        Option<int> seed = new("--seed") { Description = "Seed for the patient and image selection.", DefaultValueFactory = _ => 42 };
        perClass.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1)
            {
                r.AddError("--per-class must be at least 1.");
            }
        });

        Command build = new("build", "Rebuild the paper's balanced COVID-19 (Cohen) vs Normal (Kermany) dataset, one image per patient.")
        {
            cohen, kermany, output, perClass, seed,
        };
        build.SetAction((parse, cancellationToken) =>
        {
            TextWriter writer = parse.InvocationConfiguration.Output;
            TextWriter error = parse.InvocationConfiguration.Error;
            DatasetBuildReport report;
            try
            {
                report = PaperDatasetBuilder.Build(
                    new PaperDatasetBuildOptions
                    {
                        CohenDirectory = parse.GetValue(cohen)!.FullName,
                        KermanyDirectory = parse.GetValue(kermany)!.FullName,
                        OutputDirectory = parse.GetValue(output)!.FullName,
                        PerClass = parse.GetValue(perClass),
                        Seed = parse.GetValue(seed),
                    },
                    cancellationToken);
            }
            catch (DatasetFormatException ex)
            {
                error.WriteLine($"Cannot build the dataset: {ex.Message}");
                return Task.FromResult(CovidCli.Failure);
            }

            Print(report, writer, error);
            return Task.FromResult(report.PerClassWritten > 0 ? CovidCli.Success : CovidCli.Failure);
        });
        return build;
    }

    private static void Print(DatasetBuildReport report, TextWriter writer, TextWriter error)
    {
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Wrote {report.PerClassWritten} covid + {report.PerClassWritten} normal images (requested {report.PerClassRequested} per class) to {report.OutputDirectory}."));
        writer.WriteLine("Rows and files by outcome:");
        foreach ((string code, int count) in report.CountsByCode())
        {
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {code,-24}{count,6}"));
        }

        List<ImportOutcome> problems = report.Problems.ToList();
        foreach (ImportOutcome problem in problems.Take(ProblemsShown))
        {
            error.WriteLine($"{problem.Code}: {problem.Source} {problem.Reference}: {problem.Reason}");
        }

        if (problems.Count > ProblemsShown)
        {
            error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"... and {problems.Count - ProblemsShown} more problems."));
        }

        foreach (string warning in report.Warnings)
        {
            error.WriteLine($"warning: {warning}");
        }

        if (report.PerClassWritten == 0)
        {
            error.WriteLine("No usable images in at least one class: nothing to train on.");
        }

        writer.WriteLine(
            "Caution: adult COVID-19 images vs pediatric normals is the shortcut-prone pairing the paper used; a model can "
            + "learn age instead of disease. Split by patient (manifest patient_id) and audit before believing any number.");
        writer.WriteLine(Disclaimers.ResearchOnly);
    }
}
