using System.Text;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Datasets;

/// <summary>
/// One image of a training dataset folder. <see cref="File"/> is relative to the dataset root and uses forward
/// slashes (<c>covid/cohen-0001.png</c>); <see cref="PatientId"/> is the group used for patient-level splits.
/// <see cref="LesionMask"/> and <see cref="LungMask"/> name ground-truth masks (same size as the image, non-zero
/// inside) relative to the root, as <c>covid synth</c> writes them; empty where there are none.
/// </summary>
public sealed record DatasetManifestEntry(
    string File, string Label, string Source, string PatientId, string OriginalPath, string Parameters,
    string LesionMask = "", string LungMask = "");

/// <summary>
/// <c>manifest.csv</c> beside the <c>normal/</c> and <c>covid/</c> folders that <c>covid train</c> reads; written by
/// <c>covid synth</c>, <c>covid dataset build</c> and labelled-store snapshot downloads.
/// Columns: <c>file,label,source,patient_id,original_path,parameters,lesion_mask,lung_mask</c>; manifests written
/// before the mask columns existed still load (only <c>file</c> and <c>label</c> are required).
/// </summary>
public static class DatasetManifest
{
    public const string FileName = "manifest.csv";

    public static IReadOnlyList<string> Columns { get; } = ["file", "label", "source", "patient_id", "original_path", "parameters", "lesion_mask", "lung_mask"];

    public static void Write(string datasetDirectory, IEnumerable<DatasetManifestEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        StringBuilder text = new();
        text.Append(string.Join(',', Columns)).Append('\n');
        foreach (DatasetManifestEntry e in entries)
        {
            text.Append(CsvTable.FormatLine([e.File, e.Label, e.Source, e.PatientId, e.OriginalPath, e.Parameters, e.LesionMask, e.LungMask])).Append('\n');
        }

        System.IO.File.WriteAllText(Path.Combine(datasetDirectory, FileName), text.ToString(), new UTF8Encoding(false));
    }

    /// <summary>Reads a dataset's manifest.</summary>
    /// <exception cref="DatasetFormatException">The file is missing, lacks a required column, or has bad rows.</exception>
    public static IReadOnlyList<DatasetManifestEntry> Read(string datasetDirectory)
    {
        string path = Path.Combine(datasetDirectory, FileName);
        if (!System.IO.File.Exists(path))
        {
            throw new DatasetFormatException($"'{datasetDirectory}' has no {FileName}.");
        }

        (IReadOnlyList<CsvRecord> records, IReadOnlyList<CsvError> errors) = CsvTable.Parse(System.IO.File.ReadAllText(path));
        if (errors.Count > 0)
        {
            throw new DatasetFormatException($"{path}: line {errors[0].LineNumber}: {errors[0].Reason}");
        }

        if (records.Count == 0)
        {
            throw new DatasetFormatException($"{path} is empty; expected the header {string.Join(',', Columns)}.");
        }

        Dictionary<string, int> index = records[0].Fields
            .Select((name, i) => (name: name.Trim(), i))
            .Where(c => c.name.Length > 0)
            .ToDictionary(c => c.name, c => c.i, StringComparer.OrdinalIgnoreCase);
        foreach (string required in (string[])["file", "label"])
        {
            if (!index.ContainsKey(required))
            {
                throw new DatasetFormatException($"{path} has no '{required}' column.");
            }
        }

        List<DatasetManifestEntry> entries = new(records.Count - 1);
        foreach (CsvRecord record in records.Skip(1))
        {
            string label = Get(record, index, "label");
            if (!ClassNames.IsKnown(label))
            {
                throw new DatasetFormatException($"{path}: line {record.LineNumber}: unknown label '{label}'.");
            }

            entries.Add(new DatasetManifestEntry(
                Get(record, index, "file"), label, Get(record, index, "source"), Get(record, index, "patient_id"),
                Get(record, index, "original_path"), Get(record, index, "parameters"),
                Get(record, index, "lesion_mask"), Get(record, index, "lung_mask")));
        }

        return entries;
    }

    private static string Get(CsvRecord record, Dictionary<string, int> index, string column) =>
        index.TryGetValue(column, out int i) && i < record.Fields.Count ? record.Fields[i] : string.Empty;
}

/// <summary>A dataset folder or manifest that cannot be used as it is; the message says what to fix.</summary>
public sealed class DatasetFormatException : Exception
{
    public DatasetFormatException()
    {
    }

    public DatasetFormatException(string message)
        : base(message)
    {
    }

    public DatasetFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
