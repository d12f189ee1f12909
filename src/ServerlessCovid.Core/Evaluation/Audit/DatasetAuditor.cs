using System.Globalization;

namespace ServerlessCovid.Core.Evaluation.Audit;

/// <summary>Counts, leakage and shortcut checks over a dataset's items (any splits, any classes).</summary>
public static class DatasetAuditor
{
    public const int MaxListedPairs = 500;

    public static DatasetAudit Audit(IReadOnlyList<AuditItem> items, NearDuplicateBounds? nearDuplicates = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        NearDuplicateBounds bounds = nearDuplicates ?? NearDuplicateBounds.Default;
        ArgumentOutOfRangeException.ThrowIfNegative(bounds.MaxHashDistance);
        if (items.Count == 0)
        {
            throw new EvaluationInputException("The dataset audit needs at least one item.");
        }

        List<string> splits = items.Select(i => i.Split).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        List<SplitClassCount> counts = items
            .GroupBy(i => (i.Split, i.Label))
            .Select(g => new SplitClassCount(g.Key.Split, g.Key.Label, g.Count()))
            .OrderBy(c => c.Split, StringComparer.Ordinal).ThenBy(c => c.Label, StringComparer.Ordinal)
            .ToList();
        List<SourceClassCount> sources = items
            .Where(i => !string.IsNullOrEmpty(i.Source))
            .GroupBy(i => (i.Label, Source: i.Source!))
            .Select(g => new SourceClassCount(g.Key.Label, g.Key.Source, g.Count()))
            .OrderBy(c => c.Label, StringComparer.Ordinal).ThenBy(c => c.Source, StringComparer.Ordinal)
            .ToList();
        List<IGrouping<string, AuditItem>> groups = items
            .Where(i => !string.IsNullOrEmpty(i.Group))
            .GroupBy(i => i.Group!, StringComparer.Ordinal)
            .ToList();
        List<GroupLeak> leaks = groups
            .Select(g => new GroupLeak(
                g.Key, g.Select(i => i.Split).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(), g.Count()))
            .Where(leak => leak.Splits.Count > 1)
            .OrderBy(leak => leak.Group, StringComparer.Ordinal)
            .ToList();

        (List<DuplicatePair> pairs, int exact, int near, int candidates) = FindCrossSplitDuplicates(items, bounds);

        List<AuditWarning> warnings = [];
        AddSourceWarnings(items, sources, warnings);
        if (leaks.Count > 0)
        {
            warnings.Add(new AuditWarning(AuditWarningCodes.GroupLeakage,
                $"{leaks.Count} of {groups.Count} groups (patients) have images in more than one split, e.g. '{leaks[0].Group}' "
                + $"in {string.Join(" and ", leaks[0].Splits)}. Validation then measures memory of patients, not generalisation: "
                + "split by patient."));
        }
        else if (groups.Count == 0)
        {
            warnings.Add(new AuditWarning(AuditWarningCodes.NoGroupInformation,
                "The dataset records no patient or group per image, so patient leakage across splits cannot be ruled out."));
        }

        if (exact > 0)
        {
            warnings.Add(new AuditWarning(AuditWarningCodes.DuplicatesAcrossSplits,
                $"{exact} identical image pairs (same SHA-256) are in different splits: validation scores them after training on them."));
        }

        if (near > 0)
        {
            warnings.Add(new AuditWarning(AuditWarningCodes.NearDuplicatesAcrossSplits,
                $"{near} near-duplicate image pairs (256-bit dHash distance ≤ {bounds.MaxHashDistance} and 64×64 SSIM ≥ "
                + $"{bounds.MinSsim.ToString("0.###", CultureInfo.InvariantCulture)}) are in different splits; "
                + "inspect them: re-encoded or cropped copies of one x-ray inflate validation accuracy."));
        }

        return new DatasetAudit(items.Count, splits, counts, sources, groups.Count, leaks, exact, near, bounds, candidates,
            pairs, warnings);
    }

    private static void AddSourceWarnings(IReadOnlyList<AuditItem> items, List<SourceClassCount> sources, List<AuditWarning> warnings)
    {
        if (sources.Count == 0)
        {
            warnings.Add(new AuditWarning(AuditWarningCodes.NoSourceInformation,
                "The dataset records no source per image, so a class/source shortcut (e.g. pediatric normals vs adult COVID) "
                + "cannot be ruled out."));
            return;
        }

        List<string> labels = sources.Select(s => s.Label).Distinct(StringComparer.Ordinal).ToList();
        bool sourcesShared = sources.GroupBy(s => s.Source, StringComparer.Ordinal).Any(g => g.Count() > 1);
        if (labels.Count > 1 && !sourcesShared)
        {
            string perClass = string.Join("; ", labels.Select(label =>
                label + ": " + string.Join(", ", sources.Where(s => s.Label == label).Select(s => s.Source))));
            int unsourced = items.Count(i => string.IsNullOrEmpty(i.Source));
            warnings.Add(new AuditWarning(AuditWarningCodes.ClassSourceConfounding,
                $"Each class comes from a different source ({perClass}). A model can learn the source (patient age, scanner, "
                + "text markers) instead of the disease: the pediatric-normals vs adult-COVID shortcut (DeGrave et al., 2021). "
                + $"Accuracy on this data says nothing about detecting COVID-19.{(unsourced > 0 ? $" ({unsourced} images have no source.)" : string.Empty)}"));
        }
    }

    private static (List<DuplicatePair> Pairs, int Exact, int Near, int Candidates) FindCrossSplitDuplicates(
        IReadOnlyList<AuditItem> items, NearDuplicateBounds bounds)
    {
        List<DuplicatePair> pairs = [];
        int exact = 0;
        int near = 0;
        int candidates = 0;
        for (int a = 0; a < items.Count; a++)
        {
            for (int b = a + 1; b < items.Count; b++)
            {
                ImageFingerprint x = items[a].Fingerprint;
                ImageFingerprint y = items[b].Fingerprint;
                if (string.Equals(items[a].Split, items[b].Split, StringComparison.Ordinal))
                {
                    continue;
                }

                bool same = string.Equals(x.ContentSha256, y.ContentSha256, StringComparison.OrdinalIgnoreCase);
                (int distance, double? similarity) = same ? (0, 1) : NearDuplicateComparer.Compare(x, y, bounds.MaxHashDistance);
                if (similarity is not double ssim)
                {
                    continue;
                }

                // The hash alone cannot separate chest films (they share one silhouette); pixel similarity decides.
                candidates += same ? 0 : 1;
                if (!same && ssim < bounds.MinSsim)
                {
                    continue;
                }

                exact += same ? 1 : 0;
                near += same ? 0 : 1;
                if (pairs.Count < MaxListedPairs)
                {
                    pairs.Add(new DuplicatePair(items[a].Path, items[a].Split, items[a].Label, items[b].Path, items[b].Split,
                        items[b].Label, same, distance, ssim));
                }
            }
        }

        return (pairs, exact, near, candidates);
    }
}
