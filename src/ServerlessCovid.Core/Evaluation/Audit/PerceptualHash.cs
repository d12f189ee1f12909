using System.Globalization;
using System.Numerics;

namespace ServerlessCovid.Core.Evaluation.Audit;

/// <summary>
/// A 256-bit dHash: one bit per horizontally adjacent pair of a 17×16 grey thumbnail (left brighter than right),
/// row-major in four words. A 64-bit dHash (9×8) gave distance 0 between visibly different chest films: at that
/// resolution every frontal radiograph is the same dark-lungs, bright-mediastinum silhouette.
/// </summary>
public readonly record struct PerceptualHash(ulong Word0, ulong Word1, ulong Word2, ulong Word3)
{
    public const int Bits = 256;

    public int DistanceTo(PerceptualHash other) =>
        BitOperations.PopCount(Word0 ^ other.Word0) + BitOperations.PopCount(Word1 ^ other.Word1)
        + BitOperations.PopCount(Word2 ^ other.Word2) + BitOperations.PopCount(Word3 ^ other.Word3);

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Word0:x16}{Word1:x16}{Word2:x16}{Word3:x16}");
}
