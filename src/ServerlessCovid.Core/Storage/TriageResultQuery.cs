using System.ComponentModel.DataAnnotations;

namespace ServerlessCovid.Core.Storage;

/// <summary>
/// Filters for listing one hospital's results, newest first. <see cref="From"/> is inclusive, <see cref="To"/>
/// exclusive (both on <see cref="TriageResult.CreatedUtc"/>); <see cref="Label"/> is the predicted label.
/// </summary>
public sealed record TriageResultQuery
{
    public const int MaxPageSize = 1000;

    public DateTimeOffset? From { get; init; }

    public DateTimeOffset? To { get; init; }

    public string? Label { get; init; }

    public TriageStatus? Status { get; init; }

    /// <summary>Any of these statuses (an explicit list); combined with <see cref="Status"/> when both are set.</summary>
    public IReadOnlyList<TriageStatus>? Statuses { get; init; }

    /// <summary>Longest continuation token accepted; anything longer was not issued by this API.</summary>
    public const int MaxContinuationTokenLength = 2048;

    /// <summary>The token a previous page returned; opaque to callers.</summary>
    public string? ContinuationToken { get; init; }

    [Range(1, MaxPageSize)]
    public int PageSize { get; init; } = 50;
}

/// <summary>A page of results, newest first, and the token for the next page (null on the last one).</summary>
public sealed record TriageResultPage(IReadOnlyList<TriageResult> Items, string? ContinuationToken);

/// <summary>A continuation token that this store did not issue (corrupted, truncated, or for another listing).</summary>
public sealed class InvalidContinuationTokenException : Exception
{
    public InvalidContinuationTokenException()
    {
    }

    public InvalidContinuationTokenException(string message)
        : base(message)
    {
    }

    public InvalidContinuationTokenException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
