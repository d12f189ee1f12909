using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Training.Training;

/// <summary>
/// The paper's shuffled 70/30 split, stratified by class; or by patient/group so that no patient's images sit on
/// both sides (the leakage the paper's image-level split allows). Deterministic for a seed and a set of images,
/// whatever order they are listed in.
/// </summary>
public static partial class DatasetSplitter
{
    public const string StratifiedMethod = "stratified";

    public const string GroupMethod = "group";

    public static DatasetSplit Stratified(IReadOnlyList<LabelledImage> images, double validationFraction, int seed)
    {
        Validate(images, validationFraction);
        List<LabelledImage> training = [];
        List<LabelledImage> validation = [];
        foreach (IGrouping<string, LabelledImage> cls in images.GroupBy(i => i.Label).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            LabelledImage[] shuffled = Shuffle(cls.OrderBy(i => i.Path, StringComparer.Ordinal), seed, cls.Key);
            int validationCount = (int)Math.Round(shuffled.Length * validationFraction, MidpointRounding.AwayFromZero);
            validation.AddRange(shuffled.Take(validationCount));
            training.AddRange(shuffled.Skip(validationCount));
        }

        return new DatasetSplit(training, validation, StratifiedMethod, validationFraction, seed);
    }

    /// <summary>
    /// Whole groups go to one side. Groups are stratified by their majority class: for each class, shuffled groups
    /// fill validation until it holds about <paramref name="validationFraction"/> of that class's images.
    /// </summary>
    public static DatasetSplit ByGroup(IReadOnlyList<LabelledImage> images, double validationFraction, int seed)
    {
        Validate(images, validationFraction);
        RequireGroupIds(images);
        var groups = images.GroupBy(i => i.GroupId!, StringComparer.Ordinal)
            .Select(g => (Id: g.Key, Items: g.OrderBy(i => i.Path, StringComparer.Ordinal).ToArray()))
            .Select(g => (g.Id, g.Items, Label: MajorityLabel(g.Items)))
            .ToList();

        List<LabelledImage> training = [];
        List<LabelledImage> validation = [];
        foreach (var cls in groups.GroupBy(g => g.Label).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var shuffled = Shuffle(cls.OrderBy(g => g.Id, StringComparer.Ordinal), seed, cls.Key);
            int total = shuffled.Sum(g => g.Items.Length);
            double target = total * validationFraction;
            int taken = 0;
            foreach (var group in shuffled)
            {
                // Take a group when that brings validation closer to the target than leaving it out.
                if (Math.Abs(taken + group.Items.Length - target) < Math.Abs(taken - target))
                {
                    validation.AddRange(group.Items);
                    taken += group.Items.Length;
                }
                else
                {
                    training.AddRange(group.Items);
                }
            }
        }

        return new DatasetSplit(training, validation, GroupMethod, validationFraction, seed);
    }

    private static void RequireGroupIds(IReadOnlyList<LabelledImage> images)
    {
        LabelledImage? missing = images.FirstOrDefault(i => string.IsNullOrWhiteSpace(i.GroupId));
        if (missing is not null)
        {
            throw new InvalidDatasetException(
                $"A group split needs a patient/group id for every image, but '{missing.Path}' has none. Add it to manifest.csv "
                + "(columns file,label,patient_id) or split without --split-by-group.");
        }
    }

    private static T[] Shuffle<T>(IEnumerable<T> items, int seed, string salt)
    {
        T[] array = [.. items];

        // Seed from the class name too, so adding images of one class never reshuffles the other.
        Random random = new(unchecked((seed * 1_000_003) ^ StableHash(salt)));
        random.Shuffle(array);
        return array;
    }

    private static int StableHash(string text)
    {
        // string.GetHashCode and HashCode are randomised per process; splits must be reproducible across runs.
        unchecked
        {
            int hash = 17;
            foreach (char c in text)
            {
                hash = (hash * 31) + c;
            }

            return hash;
        }
    }

    private static void Validate(IReadOnlyList<LabelledImage> images, double validationFraction)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (validationFraction is <= 0 or >= 1 || double.IsNaN(validationFraction))
        {
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "The validation fraction must be between 0 and 1.");
        }

        LabelledImage? unknown = images.FirstOrDefault(i => !ClassNames.IsKnown(i.Label));
        if (unknown is not null)
        {
            throw new InvalidDatasetException($"'{unknown.Path}' has label '{unknown.Label}'; expected '{ClassNames.Covid}' or '{ClassNames.Normal}'.");
        }

        foreach (string label in ClassNames.InOutputOrder)
        {
            int count = images.Count(i => i.Label == label);
            if (count < 2)
            {
                throw new InvalidDatasetException(
                    $"Class '{label}' has {count} image(s); training and validation each need at least one image of every class.");
            }
        }
    }
}
