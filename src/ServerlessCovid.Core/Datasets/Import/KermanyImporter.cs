using System.Text.RegularExpressions;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Datasets.Import;

/// <summary>
/// Reads a local copy of the Kermany pediatric chest x-ray set (<c>chest_xray/{train,test,val}/{NORMAL,PNEUMONIA}</c>,
/// also when nested as <c>chest_xray/chest_xray/</c>) and keeps the NORMAL images. Every file gets an outcome.
/// </summary>
public static partial class KermanyImporter
{
    public const string Source = "kermany";

    private static readonly string[] Splits = ["train", "test", "val"];

    /// <exception cref="DatasetFormatException">No train/test/val folders under the given folder.</exception>
    public static ImportScan Scan(string directory)
    {
        List<string> roots = new[] { directory, Path.Combine(directory, "chest_xray"), Path.Combine(directory, "chest_xray", "chest_xray") }
            .Where(r => Splits.Any(s => Directory.Exists(Path.Combine(r, s))))
            .ToList();
        if (roots.Count == 0)
        {
            throw new DatasetFormatException(
                $"'{directory}' is not a Kermany chest_xray copy: no train/, test/ or val/ folder in it, in chest_xray/ or in chest_xray/chest_xray/.");
        }

        string root = roots[0];
        List<ImportOutcome> outcomes = roots.Skip(1)
            .Select(r => new ImportOutcome(Source, Path.GetRelativePath(directory, r), ImportCodes.DuplicateCopy,
                $"Nested copy ignored; images are read from '{Path.GetRelativePath(directory, root)}'."))
            .ToList();
        List<ImportCandidate> candidates = [];
        foreach (string split in Splits)
        {
            string splitDirectory = Path.Combine(root, split);
            if (!Directory.Exists(splitDirectory))
            {
                continue;
            }

            foreach (string classDirectory in Directory.GetDirectories(splitDirectory).Order(StringComparer.Ordinal))
            {
                string className = Path.GetFileName(classDirectory);
                foreach (string file in Directory.GetFiles(classDirectory).Order(StringComparer.Ordinal))
                {
                    string reference = Path.GetRelativePath(directory, file).Replace('\\', '/');
                    (string code, string reason) = Classify(className, file);
                    outcomes.Add(new ImportOutcome(Source, reference, code, reason));
                    if (code == ImportCodes.Eligible)
                    {
                        candidates.Add(new ImportCandidate(
                            Source, ClassNames.Normal, PatientIdOf(Path.GetFileNameWithoutExtension(file)), file, reference, reference));
                    }
                }
            }
        }

        return new ImportScan(candidates, outcomes);
    }

    /// <summary>
    /// The patient behind a Kermany file name: <c>IM-0115-0001</c> → <c>IM-0115</c>,
    /// <c>NORMAL2-IM-1427-0001</c> → <c>NORMAL2-IM-1427</c>, <c>person1_bacteria_1</c> → <c>person1</c>.
    /// </summary>
    public static string PatientIdOf(string fileNameWithoutExtension)
    {
        Match person = PersonPattern().Match(fileNameWithoutExtension);
        if (person.Success)
        {
            return person.Groups[1].Value;
        }

        Match image = ImageSequencePattern().Match(fileNameWithoutExtension);
        return image.Success ? image.Groups[1].Value : fileNameWithoutExtension;
    }

    private static (string Code, string Reason) Classify(string className, string file)
    {
        if (!ImageFiles.IsImageExtension(Path.GetExtension(file)))
        {
            return (ImportCodes.UnsupportedFile, $"'{Path.GetFileName(file)}' is not an image file ({ImageFiles.ExtensionList}).");
        }

        return className.ToUpperInvariant() switch
        {
            "NORMAL" => (ImportCodes.Eligible, "Normal pediatric x-ray."),
            "PNEUMONIA" => (ImportCodes.NotNormal, "Pneumonia image: not used for training (the paper used these only in validation)."),
            _ => (ImportCodes.UnknownLabel, $"Class folder '{className}' is neither NORMAL nor PNEUMONIA."),
        };
    }

    [GeneratedRegex(@"^(person\d+)_", RegexOptions.IgnoreCase)]
    private static partial Regex PersonPattern();

    [GeneratedRegex(@"^(.+)-\d+$")]
    private static partial Regex ImageSequencePattern();
}
