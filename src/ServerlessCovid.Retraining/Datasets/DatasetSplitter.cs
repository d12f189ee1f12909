using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Retraining.Datasets;

/// <summary>
/// Seeded, stratified train/validation split. When images carry patient ids, whole patients move together (a random
/// image-level split would put one patient on both sides and inflate validation metrics).
/// </summary>
public static class DatasetSplitter
{
    public static DatasetManifest Split(DatasetManifest snapshot, double validationFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (validationFraction is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "Must be between 0 and 1.");
        }

        bool grouped = snapshot.Items.Any(i => i.GroupId is not null);
        HashSet<string> validationGroups = new(StringComparer.Ordinal);
        Random random = new(seed);

        // Groups are stratified by their majority label; ordering by key first makes the shuffle independent of listing order.
        IEnumerable<IGrouping<string, (string Key, DatasetItem[] Items)>> byClass = snapshot.Items
            .GroupBy(GroupKey, StringComparer.Ordinal)
            .Select(g => (Key: g.Key, Items: g.ToArray()))
            .GroupBy(g => g.Items.GroupBy(i => i.Label).OrderByDescending(l => l.Count()).ThenBy(l => l.Key, StringComparer.Ordinal).First().Key);
        foreach (IGrouping<string, (string Key, DatasetItem[] Items)> classGroups in byClass.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            (string Key, DatasetItem[] Items)[] groups = [.. classGroups.OrderBy(g => g.Key, StringComparer.Ordinal)];
            random.Shuffle(groups);
            int total = groups.Sum(g => g.Items.Length);
            int target = (int)Math.Round(total * validationFraction, MidpointRounding.AwayFromZero);
            int taken = 0;
            foreach ((string key, DatasetItem[] items) in groups)
            {
                if (taken >= target)
                {
                    break;
                }

                // Take a group when it brings us closer to the target than leaving it out would.
                if (Math.Abs(target - (taken + items.Length)) <= Math.Abs(target - taken))
                {
                    validationGroups.Add(key);
                    taken += items.Length;
                }
            }
        }

        DatasetItem[] assigned = [.. snapshot.Items.Select(i => i with
        {
            Subset = validationGroups.Contains(GroupKey(i)) ? DatasetSubset.Validation : DatasetSubset.Training,
        })];
        int validation = assigned.Count(i => i.Subset == DatasetSubset.Validation);
        return snapshot with
        {
            Items = assigned,
            Split = new DatasetSplit(
                grouped ? "stratified-by-class, grouped-by-patient" : "stratified-by-class",
                validationFraction,
                seed,
                grouped,
                assigned.Length - validation,
                validation),
        };
    }

    /// <summary>Throws when either side of the split lacks a class (metrics such as AUC would be undefined).</summary>
    public static void EnsureBothClassesOnBothSides(DatasetManifest split)
    {
        ArgumentNullException.ThrowIfNull(split);
        foreach (DatasetSubset subset in new[] { DatasetSubset.Training, DatasetSubset.Validation })
        {
            foreach (string label in ClassNames.InOutputOrder)
            {
                if (!split.Items.Any(i => i.Subset == subset && i.Label == label))
                {
                    throw new PermanentRetrainingException(
                        $"The {subset.ToString().ToLowerInvariant()} split has no '{label}' image; label more images (or patients) of that class.");
                }
            }
        }
    }

    private static string GroupKey(DatasetItem item) => item.GroupId is null ? "image:" + item.Blob : "group:" + item.GroupId;
}
