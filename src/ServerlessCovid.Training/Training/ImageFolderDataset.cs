using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Training.Training;

/// <summary>
/// Reads a dataset folder as Keras' <c>flow_from_directory</c> does: one sub-folder per class (<c>covid/</c>,
/// <c>normal/</c>). An optional <c>manifest.csv</c> (header with a file column and a patient/group column, as the
/// dataset builder writes it) supplies patient ids for the group split.
/// </summary>
public static class ImageFolderDataset
{
    public const string ManifestFileName = "manifest.csv";

    private static readonly string[] FileColumns = ["file", "path", "filename", "filepath", "image", "blob"];

    private static readonly string[] GroupColumns = ["patientid", "patient", "groupid", "group"];

    public static IReadOnlyList<LabelledImage> Load(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new InvalidDatasetException($"Dataset folder '{directory}' does not exist.");
        }

        Dictionary<string, string> groups = ReadGroups(directory);
        List<LabelledImage> images = [];
        foreach (string label in ClassNames.InOutputOrder)
        {
            string classDirectory = Path.Combine(directory, label);
            if (!Directory.Exists(classDirectory))
            {
                throw new InvalidDatasetException(
                    $"Dataset folder '{directory}' has no '{label}/' sub-folder; it needs one folder of images per class: "
                    + string.Join(", ", ClassNames.InOutputOrder.Select(c => c + "/")) + ".");
            }

            foreach (string file in Directory.EnumerateFiles(classDirectory, "*", SearchOption.AllDirectories)
                         .Where(f => ImageFiles.IsImageExtension(Path.GetExtension(f)))
                         .Order(StringComparer.Ordinal))
            {
                string relative = Normalize(Path.GetRelativePath(directory, file));
                string? group = groups.GetValueOrDefault(relative)
                                ?? groups.GetValueOrDefault(Normalize(Path.GetRelativePath(classDirectory, file)))
                                ?? groups.GetValueOrDefault(Path.GetFileName(file));
                images.Add(new LabelledImage(Path.GetFullPath(file), label, group));
            }
        }

        return images;
    }

    /// <summary>File key (as written, relative path, and bare file name) → group id.</summary>
    private static Dictionary<string, string> ReadGroups(string directory)
    {
        Dictionary<string, string> groups = new(StringComparer.Ordinal);
        string path = Path.Combine(directory, ManifestFileName);
        if (!File.Exists(path))
        {
            return groups;
        }

        string[] lines = File.ReadAllLines(path);
        if (lines.Length == 0)
        {
            return groups;
        }

        string[] header = SplitCsv(lines[0]).Select(h => new string([.. h.Where(char.IsLetterOrDigit)]).ToLowerInvariant()).ToArray();
        int fileColumn = Array.FindIndex(header, h => FileColumns.Contains(h));
        int groupColumn = Array.FindIndex(header, h => GroupColumns.Contains(h));
        if (fileColumn < 0 || groupColumn < 0)
        {
            throw new InvalidDatasetException(
                $"{path} needs a header with a file column ({string.Join("/", FileColumns)}) and a patient column "
                + $"({string.Join("/", GroupColumns)}); found '{lines[0]}'.");
        }

        for (int i = 1; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            string[] cells = SplitCsv(lines[i]);
            if (cells.Length <= Math.Max(fileColumn, groupColumn))
            {
                throw new InvalidDatasetException($"{path} line {i + 1} has {cells.Length} columns; the header has {header.Length}.");
            }

            string file = Normalize(cells[fileColumn]);
            string group = cells[groupColumn].Trim();
            if (group.Length == 0)
            {
                continue;
            }

            groups[file] = group;
            groups.TryAdd(Path.GetFileName(file), group);
        }

        return groups;
    }

    private static string Normalize(string path) => path.Replace('\\', '/').TrimStart('.', '/');

    /// <summary>RFC 4180 fields: commas inside double quotes, doubled quotes as escapes.</summary>
    private static string[] SplitCsv(string line)
    {
        List<string> cells = [];
        System.Text.StringBuilder cell = new();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    cell.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else
            {
                cell.Append(c);
            }
        }

        cells.Add(cell.ToString());
        return [.. cells];
    }
}
