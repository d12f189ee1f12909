using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace ServerlessCovid.Training.Training;

public static partial class DatasetSplitter
{
    public const string StableMethod = "stable-hash";

    /// <summary>
    /// A split that keeps every image (or every patient) on its side as the data grows, for retraining on accumulated
    /// labels: the side is chosen by a hash of the seed and the image's <see cref="LabelledImage.Key"/> (or its group
    /// id), so images added later never move a champion's training images into the validation set its challengers
    /// are judged on. Each class lands near <paramref name="validationFraction"/> by the law of large numbers rather
    /// than exactly; a class the hash leaves without a validation (or training) image lends its unit nearest the cut,
    /// which only tiny datasets need.
    /// </summary>
    public static DatasetSplit Stable(IReadOnlyList<LabelledImage> images, double validationFraction, int seed, bool byGroup)
    {
        Validate(images, validationFraction);
        if (byGroup)
        {
            RequireGroupIds(images);
        }

        List<LabelledImage> training = [];
        List<LabelledImage> validation = [];
        var units = images
            .GroupBy(i => byGroup ? i.GroupId! : i.Key ?? i.Path, StringComparer.Ordinal)
            .Select(g => (Items: g.OrderBy(i => i.Path, StringComparer.Ordinal).ToArray(), Position: UnitPosition(seed, g.Key)))
            .Select(u => (u.Items, u.Position, Label: MajorityLabel(u.Items)));
        foreach (var cls in units.GroupBy(u => u.Label).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var ordered = cls.OrderBy(u => u.Position).ToArray();
            int validationUnits = ordered.Count(u => u.Position < validationFraction);
            if (ordered.Length >= 2)
            {
                validationUnits = Math.Clamp(validationUnits, 1, ordered.Length - 1);
            }

            validation.AddRange(ordered.Take(validationUnits).SelectMany(u => u.Items));
            training.AddRange(ordered.Skip(validationUnits).SelectMany(u => u.Items));
        }

        return new DatasetSplit(training, validation, StableMethod, validationFraction, seed);
    }

    /// <summary>A uniform position in [0, 1) from SHA-256: the same on every machine and runtime, unlike string hashes.</summary>
    private static double UnitPosition(int seed, string key)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(FormattableString.Invariant($"{seed}\n{key}")), hash);
        return (BinaryPrimitives.ReadUInt64BigEndian(hash) >> 11) * (1.0 / (1UL << 53));
    }

    private static string MajorityLabel(IEnumerable<LabelledImage> items) =>
        items.GroupBy(i => i.Label).OrderByDescending(l => l.Count()).ThenBy(l => l.Key, StringComparer.Ordinal).First().Key;
}
