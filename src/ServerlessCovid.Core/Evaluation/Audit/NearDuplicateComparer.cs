namespace ServerlessCovid.Core.Evaluation.Audit;

/// <summary>How alike two fingerprinted images are, allowing for one being a crop of the other.</summary>
internal static class NearDuplicateComparer
{
    // SSIM is the cost (the hash comparisons are popcounts): try only the few alignments the hash likes best.
    private const int AlignmentsTried = 5;

    /// <summary>
    /// The smallest dHash distance over the alignments (as is, or either image cut to one of its crop windows), and,
    /// when that is at most <paramref name="maxHashDistance"/>, the best SSIM of the 64×64 thumbnails over the
    /// closest alignments; otherwise null.
    /// </summary>
    public static (int HashDistance, double? Ssim) Compare(ImageFingerprint a, ImageFingerprint b, int maxHashDistance)
    {
        // Alignment -1 is "as is"; k ≥ 0 cuts a to window k; k ≤ -2 cuts b to window −k − 2.
        List<(int Distance, int Alignment)> close = [];
        Consider(close, a.Hash.DistanceTo(b.Hash), -1, maxHashDistance);
        for (int k = 0; k < a.CropHashes.Count && k < b.CropHashes.Count; k++)
        {
            Consider(close, a.CropHashes[k].DistanceTo(b.Hash), k, maxHashDistance);
            Consider(close, b.CropHashes[k].DistanceTo(a.Hash), -k - 2, maxHashDistance);
        }

        if (close.Count == 0)
        {
            return (MinDistance(a, b), null);
        }

        // The image as is is always tried: among 500 crop windows one often ties with it by hash, and a re-encoded or
        // resized copy must not lose its exact alignment to a tie.
        List<int> tried = [.. close.Where(c => c.Alignment != -1).OrderBy(c => c.Distance).Take(AlignmentsTried).Select(c => c.Alignment)];
        if (close[0].Alignment == -1)
        {
            tried.Add(-1);
        }

        double best = double.NegativeInfinity;
        foreach (int alignment in tried)
        {
            best = Math.Max(best, Ssim(a, b, alignment));
        }

        return (close.Min(c => c.Distance), best);
    }

    private static void Consider(List<(int Distance, int Alignment)> close, int distance, int alignment, int maxHashDistance)
    {
        if (distance <= maxHashDistance)
        {
            close.Add((distance, alignment));
        }
    }

    private static int MinDistance(ImageFingerprint a, ImageFingerprint b)
    {
        int min = a.Hash.DistanceTo(b.Hash);
        for (int k = 0; k < a.CropHashes.Count && k < b.CropHashes.Count; k++)
        {
            min = Math.Min(min, Math.Min(a.CropHashes[k].DistanceTo(b.Hash), b.CropHashes[k].DistanceTo(a.Hash)));
        }

        return min;
    }

    private static double Ssim(ImageFingerprint a, ImageFingerprint b, int alignment)
    {
        const int size = ImageFingerprint.ThumbnailSize;
        return alignment switch
        {
            -1 => StructuralSimilarity.Mean(a.Thumbnail.Span, b.Thumbnail.Span, size),
            >= 0 => StructuralSimilarity.Mean(CropWindows.Cut(a.Thumbnail.Span, size, alignment), b.Thumbnail.Span, size),
            _ => StructuralSimilarity.Mean(CropWindows.Cut(b.Thumbnail.Span, size, -alignment - 2), a.Thumbnail.Span, size),
        };
    }
}
