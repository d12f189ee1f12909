using System.Globalization;
using System.Text.RegularExpressions;
using ServerlessCovid.Core.Datasets.Synthetic;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Imaging;

namespace ServerlessCovid.Core.Datasets.Import;

public sealed record PaperDatasetBuildOptions
{
    public required string CohenDirectory { get; init; }

    public required string KermanyDirectory { get; init; }

    public required string OutputDirectory { get; init; }

    /// <summary>Images per class; the paper used 120.</summary>
    public int PerClass { get; init; } = 120;

    public int Seed { get; init; } = 42;
}

/// <summary>What <see cref="PaperDatasetBuilder.Build"/> did: the images written and one outcome per row or file.</summary>
public sealed record DatasetBuildReport(
    string OutputDirectory,
    int PerClassRequested,
    IReadOnlyList<DatasetManifestEntry> Entries,
    IReadOnlyList<ImportOutcome> Outcomes,
    IReadOnlyList<string> Warnings)
{
    public int PerClassWritten => Entries.Count(e => e.Label == ClassNames.Covid);

    public IReadOnlyDictionary<string, int> CountsByCode() =>
        Outcomes.GroupBy(o => o.Code).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());

    public IEnumerable<ImportOutcome> Problems => Outcomes.Where(o => o.IsProblem);
}

/// <summary>
/// Rebuilds the paper's dataset from local copies of the public sources: one image per patient, the same number of
/// COVID-19 (Cohen) and Normal (Kermany) images, copied unchanged into <c>covid/</c> and <c>normal/</c> with a
/// manifest. Bad rows and files are reported in the result, never fatal. The result inherits the sources' known
/// shortcut (adult COVID vs pediatric normals); see the dataset audit of any report trained on it.
/// </summary>
public static partial class PaperDatasetBuilder
{
    /// <exception cref="DatasetFormatException">A source folder is not a copy of the expected dataset.</exception>
    public static DatasetBuildReport Build(PaperDatasetBuildOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.PerClass);
        ImportScan cohen = CohenImporter.Scan(options.CohenDirectory);
        ImportScan kermany = KermanyImporter.Scan(options.KermanyDirectory);

        // Outcomes of eligible items are replaced by what selection decides for them.
        Dictionary<(string Source, string Reference), ImportOutcome> decided = [];
        List<ImportCandidate> covid = Select(cohen.Candidates, options, stream: 11, decided, cancellationToken);
        List<ImportCandidate> normal = Select(kermany.Candidates, options, stream: 12, decided, cancellationToken);

        List<string> warnings = [];
        int count = Math.Min(covid.Count, normal.Count);
        if (count < options.PerClass)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"Only {count} images per class (requested {options.PerClass}): {covid.Count} usable COVID-19 patients, {normal.Count} usable normal patients."));
        }

        foreach (ImportCandidate surplus in covid.Skip(count).Concat(normal.Skip(count)))
        {
            decided[(surplus.Source, surplus.Reference)] = Outcome(surplus, ImportCodes.Surplus, "Not needed: the classes are balanced to the smaller one.");
        }

        Directory.CreateDirectory(Path.Combine(options.OutputDirectory, ClassNames.Covid));
        Directory.CreateDirectory(Path.Combine(options.OutputDirectory, ClassNames.Normal));
        List<DatasetManifestEntry> entries = [];
        foreach (ImportCandidate candidate in covid.Take(count).Concat(normal.Take(count)))
        {
            string name = $"{candidate.Source}-{Safe(candidate.PatientId)}-{Safe(Path.GetFileNameWithoutExtension(candidate.FullPath))}"
                + Path.GetExtension(candidate.FullPath).ToLowerInvariant();
            string file = $"{candidate.Label}/{name}";
            File.Copy(candidate.FullPath, Path.Combine(options.OutputDirectory, candidate.Label, name), overwrite: true);
            entries.Add(new DatasetManifestEntry(file, candidate.Label, candidate.Source, candidate.PatientId, candidate.OriginalPath, string.Empty));
        }

        DatasetManifest.Write(options.OutputDirectory, entries);
        List<ImportOutcome> outcomes = cohen.Outcomes.Concat(kermany.Outcomes)
            .Select(o => decided.TryGetValue((o.Source, o.Reference), out ImportOutcome? final) ? final : o)
            .ToList();
        return new DatasetBuildReport(options.OutputDirectory, options.PerClass, entries, outcomes, warnings);
    }

    /// <summary>
    /// Shuffles patients (seeded), takes one random image of each, and checks that it decodes; returns up to
    /// <see cref="PaperDatasetBuildOptions.PerClass"/> readable images of distinct patients.
    /// </summary>
    private static List<ImportCandidate> Select(
        IReadOnlyList<ImportCandidate> candidates, PaperDatasetBuildOptions options, ulong stream,
        Dictionary<(string, string), ImportOutcome> decided, CancellationToken cancellationToken)
    {
        DeterministicRandom rng = DeterministicRandom.ForImage(options.Seed, 0, stream);
        List<List<ImportCandidate>> patients = candidates
            .GroupBy(c => c.PatientId, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.ToList())
            .ToList();
        Shuffle(patients, ref rng);
        List<ImportCandidate> selected = [];
        float[] tensor = new float[XrayPreprocessor.TensorLength];
        foreach (List<ImportCandidate> images in patients)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Shuffle(images, ref rng);
            ImportCandidate? chosen = null;
            foreach (ImportCandidate image in images)
            {
                if (chosen is not null || selected.Count >= options.PerClass)
                {
                    decided[(image.Source, image.Reference)] = chosen is null
                        ? Outcome(image, ImportCodes.Surplus, $"Not needed: {options.PerClass} images of this class were already selected.")
                        : Outcome(image, ImportCodes.OtherImageOfPatient, $"Another image of patient {image.PatientId} was selected.");
                    continue;
                }

                string? problem = ReadProblem(image.FullPath, tensor);
                if (problem is not null)
                {
                    decided[(image.Source, image.Reference)] = Outcome(image, ImportCodes.UnreadableImage, problem);
                    continue;
                }

                chosen = image;
                selected.Add(image);
                decided[(image.Source, image.Reference)] = Outcome(image, ImportCodes.Selected, $"Selected for patient {image.PatientId}.");
            }
        }

        return selected;
    }

    /// <summary>
    /// Null when training will be able to read the file: the check is the preprocessor training itself uses, so
    /// DICOM and every other accepted format is judged by the same reader, and a file that only looks like an image
    /// (a readable header over truncated pixels) is refused here rather than in the middle of a training run.
    /// </summary>
    private static string? ReadProblem(string path, float[] tensor)
    {
        try
        {
            XrayPreprocessor.Default.LoadTensor(path, tensor);
            return null;
        }
        catch (ImageRejectedException ex)
        {
            return $"{Path.GetFileName(path)} cannot be used ({ex.Code}): {ex.Reason}";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"{Path.GetFileName(path)} cannot be read: {ex.Message}";
        }
    }

    private static ImportOutcome Outcome(ImportCandidate candidate, string code, string reason) =>
        new(candidate.Source, candidate.Reference, code, reason);

    private static void Shuffle<T>(List<T> items, ref DeterministicRandom rng)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = rng.Int(0, i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static string Safe(string value) => UnsafeCharacters().Replace(value, "_");

    [GeneratedRegex("[^A-Za-z0-9._-]")]
    private static partial Regex UnsafeCharacters();
}
