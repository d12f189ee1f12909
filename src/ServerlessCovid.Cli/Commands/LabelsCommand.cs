using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using ServerlessCovid.Cli.Infrastructure;
using ServerlessCovid.Core.Datasets;
using ServerlessCovid.Core.Datasets.Labelled;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using Spectre.Console;

namespace ServerlessCovid.Cli.Commands;

/// <summary>
/// <c>covid labels import DIR --hospital H</c>: bulk-loads a labelled folder (<c>covid/</c>, <c>normal/</c>, optional
/// <c>manifest.csv</c> with source and patient) into the labelled-image store, which a fresh deployment needs before
/// its first retraining (labelling through the API needs triage results, which need a model). Idempotent: an image's
/// id is its content hash, so importing again, or under another file name, stores nothing twice.
/// </summary>
public static class LabelsCommand
{
    public static Command Create()
    {
        Command command = new("labels", "Manage the labelled-image store retraining learns from.");
        command.Subcommands.Add(CreateImport());
        return command;
    }

    private static Command CreateImport()
    {
        Argument<DirectoryInfo> directory = new("DIR")
        {
            Description = "Folder with one sub-folder per class (covid/, normal/; images at any depth) and an optional manifest.csv.",
        };
        Option<string> hospital = new("--hospital")
        {
            Description = "Hospital the images are filed under (labelled/{label}/{hospital}/).",
            Required = true,
            HelpName = "H",
        };
        CommonOptions.RequireHospitalId(hospital);
        Option<string?> labelledBy = new("--labelled-by") { Description = "Who confirmed the labels. Default: covid labels import." };
        Option<string?> storage = CommonOptions.Storage();
        Option<bool> json = CommonOptions.Json();
        Command command = new("import", "Import a labelled folder into the labelled-image store (idempotent).")
        {
            directory, hospital, labelledBy, storage, json,
        };
        command.Options.Add(CommonOptions.AccountUrl());
        command.SetCliAction(async (context, cancellationToken) =>
        {
            string root = context.Get(directory)!.FullName;
            IReadOnlyList<ImportItem> items = ListItems(root);
            ServiceProvider services = CliServices.Build(context, context.Get(storage));
            await using ConfiguredAsyncDisposable disposeServices = services.ConfigureAwait(false);
            LabelledImageStore store = services.GetRequiredService<LabelledImageStore>();
            string hospitalId = context.Get(hospital)!;
            string by = context.Get(labelledBy) ?? "covid labels import";
            Dictionary<LabelledImageAddStatus, int> counts = [];
            await CliProgress.RunAsync(context, "Importing", items.Count, async progress =>
            {
                foreach (ImportItem item in items)
                {
                    byte[] bytes = await File.ReadAllBytesAsync(item.Path, cancellationToken).ConfigureAwait(false);
                    string sha = ModelPackage.Sha256Hex(bytes);
                    string id = "import-" + sha[..32];
                    LabelledImageAddResult result = await store.AddAsync(
                        new LabelledImageRequest
                        {
                            Hospital = hospitalId,
                            Id = id,
                            Label = item.Label,
                            Extension = Path.GetExtension(item.Path).TrimStart('.').ToLowerInvariant(),
                            LabelledBy = by,
                            Source = item.Source ?? "import:" + Path.GetFileName(root.TrimEnd('/')),
                            GroupId = item.Patient ?? string.Empty,
                        },
                        BinaryData.FromBytes(bytes),
                        cancellationToken).ConfigureAwait(false);
                    // Imports have no result row to hold the label: a concurrent import that filed the same image
                    // under the other label must not leave a copy under each.
                    await store.SettleAsync(hospitalId, id, cancellationToken).ConfigureAwait(false);
                    counts[result.Status] = counts.GetValueOrDefault(result.Status) + 1;
                    progress.Increment();
                }
            }).ConfigureAwait(false);

            ImportSummary summary = new(
                hospitalId, items.Count,
                counts.GetValueOrDefault(LabelledImageAddStatus.Created),
                counts.GetValueOrDefault(LabelledImageAddStatus.AlreadyPresent),
                counts.GetValueOrDefault(LabelledImageAddStatus.Relabelled),
                [.. ClassNames.InOutputOrder.Select(label => new LabelCount(label, items.Count(i => i.Label == label)))]);
            if (context.Get(json))
            {
                context.WriteJson(summary);
            }
            else
            {
                context.Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{summary.Images} images for hospital '{hospitalId}' ({string.Join(", ", summary.PerLabel.Select(c => $"{c.Count} {c.Label}"))}): "
                    + $"{summary.Created} added, {summary.AlreadyPresent} already present, {summary.Relabelled} relabelled."));
            }

            return CovidCli.Success;
        });
        return command;
    }

    /// <summary>The folder's images per class, with source and patient from manifest.csv when it names them.</summary>
    /// <exception cref="CliFailureException">No such folder, a folder that is not a class, or no image at all.</exception>
    internal static IReadOnlyList<ImportItem> ListItems(string root)
    {
        if (!Directory.Exists(root))
        {
            throw new CliFailureException($"Folder '{root}' does not exist.");
        }

        Dictionary<string, DatasetManifestEntry> manifest = new(StringComparer.Ordinal);
        if (File.Exists(Path.Combine(root, DatasetManifest.FileName)))
        {
            foreach (DatasetManifestEntry entry in DatasetManifest.Read(root))
            {
                manifest[entry.File.Replace('\\', '/').TrimStart('.', '/')] = entry;
            }
        }

        List<ImportItem> items = [];
        foreach (string folder in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
        {
            string label = Path.GetFileName(folder);
            if (label.StartsWith('.'))
            {
                continue;
            }

            if (!ClassNames.IsKnown(label))
            {
                throw new CliFailureException(
                    $"Folder '{label}' in '{root}' is not a class ({string.Join(", ", ClassNames.InOutputOrder)}); move it out or rename it.");
            }

            foreach (string file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                         .Where(ImageFiles.IsImageFile)
                         .Order(StringComparer.Ordinal))
            {
                string relative = Path.GetRelativePath(root, file).Replace('\\', '/');
                DatasetManifestEntry? entry = manifest.GetValueOrDefault(relative);
                items.Add(new ImportItem(file, label, Blank(entry?.Source), Blank(entry?.PatientId)));
            }
        }

        if (items.Count == 0)
        {
            throw new CliFailureException(
                $"'{root}' holds no images ({ImageFiles.ExtensionList}) under {string.Join(" or ", ClassNames.InOutputOrder.Select(c => c + "/"))}.");
        }

        return items;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    internal sealed record ImportItem(string Path, string Label, string? Source, string? Patient);
}

public sealed record LabelCount(string Label, int Count);

public sealed record ImportSummary(string Hospital, int Images, int Created, int AlreadyPresent, int Relabelled, IReadOnlyList<LabelCount> PerLabel);
