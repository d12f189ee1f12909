namespace ServerlessCovid.Core.Triage;

/// <summary>
/// What one <see cref="ResultReconciler"/> run found. Every listed blob and every pending row examined apart from the
/// listing ends in exactly one outcome, so <c>Listed + PendingOutsideListing</c> equals the sum of the outcomes.
/// </summary>
public sealed record ReconcileReport
{
    /// <summary>Blobs in this run's listing page.</summary>
    public int Listed { get; init; }

    /// <summary>Pending rows whose blob was not in this run's page (deleted, or on another page).</summary>
    public int PendingOutsideListing { get; init; }

    /// <summary>Outcome: the blob already had a scored, rejected or failed row; nothing was done.</summary>
    public int AlreadyHadRow { get; init; }

    /// <summary>Outcome: a pending row was scored.</summary>
    public int PendingRescored { get; init; }

    /// <summary>Outcome: a blob without any row was scored (the trigger had missed it).</summary>
    public int NewlyTriaged { get; init; }

    /// <summary>Outcome: the row ended rejected (bad input).</summary>
    public int Rejected { get; init; }

    /// <summary>Outcome: the row ended failed (e.g. <c>blob_missing</c>), or scoring threw and the next run retries.</summary>
    public int Failed { get; init; }

    /// <summary>Outcome: still (or newly) pending, because no model can be served yet.</summary>
    public int Pending { get; init; }

    /// <summary>Outcome: the blob is not under a valid hospital folder, so no row can be keyed; it is logged each run.</summary>
    public int Unkeyable { get; init; }

    /// <summary>True when this page was the listing's last: the next run starts from the beginning again.</summary>
    public bool ListingComplete { get; init; }

    /// <summary>Sums two runs (the CLI sweeps page after page); <see cref="ListingComplete"/> comes from the later one.</summary>
    public ReconcileReport Add(ReconcileReport next)
    {
        ArgumentNullException.ThrowIfNull(next);
        return new ReconcileReport
        {
            Listed = Listed + next.Listed,
            PendingOutsideListing = PendingOutsideListing + next.PendingOutsideListing,
            AlreadyHadRow = AlreadyHadRow + next.AlreadyHadRow,
            PendingRescored = PendingRescored + next.PendingRescored,
            NewlyTriaged = NewlyTriaged + next.NewlyTriaged,
            Rejected = Rejected + next.Rejected,
            Failed = Failed + next.Failed,
            Pending = Pending + next.Pending,
            Unkeyable = Unkeyable + next.Unkeyable,
            ListingComplete = next.ListingComplete,
        };
    }
}
