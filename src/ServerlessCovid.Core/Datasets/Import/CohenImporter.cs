using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Datasets.Import;

/// <summary>
/// Reads a local copy of Joseph Cohen's covid-chestxray-dataset (<c>metadata.csv</c> + <c>images/</c>) and keeps
/// the frontal COVID-19 x-rays, excluding MERS, SARS and ARDS as the paper does. Every row gets an outcome.
/// </summary>
public static class CohenImporter
{
    public const string Source = "cohen";

    public const string MetadataFileName = "metadata.csv";

    private static readonly string[] FrontalViews = ["PA", "AP", "AP Supine", "AP Erect"];

    private static readonly string[] ExcludedFindings = ["MERS", "MERS-CoV", "SARS", "ARDS"];

    private static readonly string[] UnknownFindings = ["", "todo", "unknown"];

    /// <exception cref="DatasetFormatException">No metadata.csv, or it lacks the columns needed.</exception>
    public static ImportScan Scan(string root)
    {
        string metadataPath = Path.Combine(root, MetadataFileName);
        if (!File.Exists(metadataPath))
        {
            throw new DatasetFormatException(
                $"'{root}' is not a covid-chestxray-dataset copy: {MetadataFileName} is missing.");
        }

        (IReadOnlyList<CsvRecord> records, IReadOnlyList<CsvError> errors) = CsvTable.Parse(File.ReadAllText(metadataPath));
        if (records.Count == 0)
        {
            throw new DatasetFormatException($"{metadataPath} is empty.");
        }

        Dictionary<string, int> columns = new(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < records[0].Fields.Count; i++)
        {
            columns.TryAdd(records[0].Fields[i].Trim(), i);
        }

        string[] required = ["patientid", "finding", "view", "modality", "filename"];
        string[] missing = required.Where(c => !columns.ContainsKey(c)).ToArray();
        if (missing.Length > 0)
        {
            throw new DatasetFormatException($"{metadataPath} lacks the column(s) {string.Join(", ", missing)}.");
        }

        List<ImportOutcome> outcomes = errors
            .Select(e => new ImportOutcome(Source, $"{MetadataFileName}:{e.LineNumber}", ImportCodes.UnreadableRow, e.Reason))
            .ToList();
        List<ImportCandidate> candidates = [];
        int minimumFields = required.Max(c => columns[c]) + 1;
        foreach (CsvRecord record in records.Skip(1))
        {
            string reference = $"{MetadataFileName}:{record.LineNumber}";
            if (record.Fields.Count < minimumFields)
            {
                outcomes.Add(new ImportOutcome(Source, reference, ImportCodes.UnreadableRow,
                    $"Row has {record.Fields.Count} fields; at least {minimumFields} are needed to reach every required column."));
                continue;
            }

            string Field(string name) => columns.TryGetValue(name, out int i) && i < record.Fields.Count ? record.Fields[i].Trim() : string.Empty;
            string fileName = Field("filename");
            if (fileName.Length == 0)
            {
                outcomes.Add(new ImportOutcome(Source, reference, ImportCodes.UnreadableRow, "The filename column is empty."));
                continue;
            }

            (string code, string reason) = Classify(Field("finding"), Field("modality"), Field("view"));
            if (code != ImportCodes.Eligible)
            {
                outcomes.Add(new ImportOutcome(Source, reference, code, $"{fileName}: {reason}"));
                continue;
            }

            string folder = Field("folder");
            string relative = Path.Combine(folder.Length == 0 ? "images" : folder, fileName);
            string fullPath = Path.GetFullPath(Path.Combine(root, relative));
            if (Path.GetRelativePath(Path.GetFullPath(root), fullPath).StartsWith("..", StringComparison.Ordinal))
            {
                outcomes.Add(new ImportOutcome(Source, reference, ImportCodes.UnreadableRow, $"{relative} points outside the dataset folder."));
                continue;
            }

            if (!File.Exists(fullPath))
            {
                outcomes.Add(new ImportOutcome(Source, reference, ImportCodes.MissingFile, $"{relative} does not exist."));
                continue;
            }

            string patient = Field("patientid");
            candidates.Add(new ImportCandidate(
                Source, ClassNames.Covid, patient.Length == 0 ? $"file:{fileName}" : patient, fullPath, reference,
                relative.Replace('\\', '/')));
            outcomes.Add(new ImportOutcome(Source, reference, ImportCodes.Eligible, $"{fileName}: COVID-19, {Field("view")} x-ray."));
        }

        return new ImportScan(candidates, outcomes);
    }

    /// <summary>Decides a row from its finding, modality and view: the first filter that fails wins.</summary>
    public static (string Code, string Reason) Classify(string finding, string modality, string view)
    {
        string[] tokens = (finding ?? string.Empty)
            .Split(['/', ',', ';'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length == 0 || tokens.All(t => UnknownFindings.Contains(t, StringComparer.OrdinalIgnoreCase)))
        {
            return (ImportCodes.UnknownLabel, $"finding '{finding}' is not a usable label.");
        }

        string? excluded = tokens.FirstOrDefault(t => ExcludedFindings.Contains(t, StringComparer.OrdinalIgnoreCase));
        if (excluded is not null)
        {
            return (ImportCodes.ExcludedFinding, $"finding '{finding}' includes {excluded}, which the paper excludes.");
        }

        if (!tokens.Contains("COVID-19", StringComparer.OrdinalIgnoreCase))
        {
            return (ImportCodes.NotCovid, $"finding '{finding}' is not COVID-19.");
        }

        if (!string.Equals(modality?.Trim(), "X-ray", StringComparison.OrdinalIgnoreCase))
        {
            return (ImportCodes.NotXray, $"modality '{modality}' is not X-ray.");
        }

        string normalisedView = string.Join(' ', (view ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries));
        if (!FrontalViews.Contains(normalisedView, StringComparer.OrdinalIgnoreCase))
        {
            return (ImportCodes.NotFrontalView, $"view '{view}' is not frontal (PA, AP, AP Supine or AP Erect).");
        }

        return (ImportCodes.Eligible, "COVID-19 frontal x-ray.");
    }
}
