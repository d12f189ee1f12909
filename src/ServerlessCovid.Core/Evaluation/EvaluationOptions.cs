using System.ComponentModel.DataAnnotations;
using ServerlessCovid.Core.Evaluation.Audit;
using ServerlessCovid.Core.Evaluation.Metrics;

namespace ServerlessCovid.Core.Evaluation;

/// <summary>Settings of every evaluation report ("Evaluation" configuration section).</summary>
public sealed class EvaluationOptions
{
    public const string SectionName = "Evaluation";

    /// <summary>Bootstrap replicates for the AUC intervals.</summary>
    [Range(100, 100_000)]
    public int BootstrapReplicates { get; set; } = AucBootstrap.DefaultReplicates;

    public int BootstrapSeed { get; set; } = AucBootstrap.DefaultSeed;

    /// <summary>Maximum distance between 256-bit dHashes for a pair to be checked by SSIM (a shortlist, not the decision).</summary>
    [Range(0, 128)]
    public int NearDuplicateHashDistance { get; set; } = NearDuplicateBounds.DefaultMaxHashDistance;

    /// <summary>Minimum SSIM of the 64×64 grey thumbnails for a shortlisted pair to count as near-duplicates.</summary>
    [Range(0.0, 1.0)]
    public double NearDuplicateMinSsim { get; set; } = NearDuplicateBounds.DefaultMinSsim;

    [Range(320, 4000)]
    public int FigureWidth { get; set; } = 800;

    [Range(240, 4000)]
    public int FigureHeight { get; set; } = 600;
}
