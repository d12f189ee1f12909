using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Inference;

/// <summary>
/// Scores x-ray bytes with the active model. One long-lived ONNX Runtime session per model version; activating a
/// new package swaps atomically while in-flight calls finish on the session they started with.
/// </summary>
public interface IXrayClassifier
{
    /// <summary>Manifest of the active model, or null before any model is activated.</summary>
    ModelManifest? CurrentModel { get; }

    /// <summary>Decodes, preprocesses and scores one image.</summary>
    /// <exception cref="Imaging.ImageRejectedException">The bytes are not a usable image.</exception>
    /// <exception cref="ModelUnavailableException">No model has been activated yet.</exception>
    Task<TriagePrediction> ScoreAsync(ReadOnlyMemory<byte> image, CancellationToken cancellationToken = default);

    /// <summary>
    /// Scores one image whose bytes the caller has already hashed (the triage service keys results by that hash),
    /// so they are hashed once: <paramref name="contentSha256"/>, the lower-case hex SHA-256 of exactly
    /// <paramref name="image"/>, becomes the prediction's content hash as given.
    /// </summary>
    /// <exception cref="Imaging.ImageRejectedException">The bytes are not a usable image.</exception>
    /// <exception cref="ModelUnavailableException">No model has been activated yet.</exception>
    Task<TriagePrediction> ScoreAsync(ReadOnlyMemory<byte> image, string contentSha256, CancellationToken cancellationToken = default) =>
        ScoreAsync(image, cancellationToken);

    /// <summary>
    /// Scores many images, up to <c>Inference:MaxBatchSize</c> (by default 2 on CPU, 32 on CUDA) per ONNX Runtime call, decoding the next chunk while
    /// the current one runs; a bad image fails alone, never the batch. Results are in input order.
    /// </summary>
    Task<IReadOnlyList<BatchItemResult>> ScoreBatchAsync(
        IReadOnlyList<ReadOnlyMemory<byte>> images, CancellationToken cancellationToken = default);

    /// <summary>Raised with the image count of every ONNX Runtime run, batched or not (the batch-size metric).</summary>
    event Action<int>? RunCompleted;

    /// <summary>Makes <paramref name="package"/> the active model (no-op when that version and SHA are already active).</summary>
    void Activate(ModelPackage package);
}

/// <summary>One image of a batch: a prediction, or the reason it was rejected.</summary>
public sealed record BatchItemResult(TriagePrediction? Prediction, string? ErrorCode, string? ErrorReason)
{
    public bool Succeeded => Prediction is not null;
}

/// <summary>No model is published or loaded yet; callers answer 503 with Retry-After.</summary>
public sealed class ModelUnavailableException : Exception
{
    public ModelUnavailableException()
        : base("No model has been published yet.")
    {
    }

    public ModelUnavailableException(string message)
        : base(message)
    {
    }

    public ModelUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
