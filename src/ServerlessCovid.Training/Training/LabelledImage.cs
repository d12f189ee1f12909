namespace ServerlessCovid.Training.Training;

/// <summary>
/// One training image: where it is, its class (<c>covid</c>/<c>normal</c>), its patient/group id if known, and a key
/// that names the x-ray whatever folder it was downloaded to (<see cref="DatasetSplitter.Stable"/> hashes it; the path
/// when null).
/// </summary>
public sealed record LabelledImage(string Path, string Label, string? GroupId = null, string? Key = null);

/// <summary>How the images were divided; stored in every checkpoint so a resumed run trains on the same split.</summary>
public sealed record DatasetSplit(
    IReadOnlyList<LabelledImage> Training,
    IReadOnlyList<LabelledImage> Validation,
    string Method,
    double ValidationFraction,
    int Seed);

/// <summary>The dataset cannot be trained on as given (missing class folder, unreadable image, no group ids...).</summary>
public sealed class InvalidDatasetException : Exception
{
    public InvalidDatasetException()
    {
    }

    public InvalidDatasetException(string message)
        : base(message)
    {
    }

    public InvalidDatasetException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
