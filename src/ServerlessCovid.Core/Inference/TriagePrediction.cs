namespace ServerlessCovid.Core.Inference;

/// <summary>What was scored: decoded format and size, and a content hash that identifies identical uploads.</summary>
public sealed record ImageInfo(string Format, int Width, int Height, long Bytes, string ContentSha256);

/// <summary>Milliseconds per stage, for one image (batched inference time is shared evenly).</summary>
public sealed record StageTimings(double DecodeMs, double PreprocessMs, double InferenceMs)
{
    public double TotalMs => DecodeMs + PreprocessMs + InferenceMs;
}

/// <summary>
/// A scored image, with everything needed to reproduce and audit the decision. <see cref="ActivationMap"/> is the
/// positive class's evidence map when the model exports one (null for models without a <c>cam</c> output).
/// <see cref="InputGrey"/> is, for those models and single-image scoring only, the 256×256 grey plane the model saw
/// (channel mean, 0..1): a heat map is drawn over it without decoding the image a second time.
/// </summary>
public sealed record TriagePrediction(
    string Label,
    IReadOnlyDictionary<string, double> Probabilities,
    string PositiveClass,
    double Threshold,
    string ModelVersion,
    string ModelSha256,
    string PreprocessingId,
    ImageInfo Image,
    StageTimings Timings,
    ActivationMap? ActivationMap = null,
    float[]? InputGrey = null)
{
    /// <summary>For DICOM inputs, what the file says about its acquisition (no patient attributes); null otherwise.</summary>
    public Imaging.Dicom.DicomInfo? Dicom { get; init; }
}
