using System.Text.Json;
using System.Text.Json.Serialization;

namespace ServerlessCovid.Core.Models;

/// <summary>
/// <c>manifest.json</c> of a model package (a folder or blob prefix holding <c>model.onnx</c> beside it).
/// Field names are part of the package format: add fields, never rename them.
/// </summary>
public sealed record ModelManifest
{
    public const string FileName = "manifest.json";

    public const string OnnxFileName = "model.onnx";

    /// <summary>Default name of the training weights beside <see cref="OnnxFileName"/> (see <see cref="Weights"/>).</summary>
    public const string WeightsFileName = "weights.pt";

    public required string Version { get; init; }

    public required DateTimeOffset CreatedUtc { get; init; }

    /// <summary>Lower-case hex SHA-256 of <c>model.onnx</c>; loading refuses a package whose file does not match.</summary>
    public required string OnnxSha256 { get; init; }

    /// <summary>Class names in model output order.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    public string InputName { get; init; } = "image";

    /// <summary>Input shape with -1 for the dynamic batch dimension.</summary>
    public IReadOnlyList<long> InputShape { get; init; } = [-1, Preprocessing.Channels, Preprocessing.Size, Preprocessing.Size];

    public string OutputName { get; init; } = "probabilities";

    public required string PreprocessingId { get; init; }

    /// <summary>The class whose probability is compared with <see cref="OperatingThreshold"/>.</summary>
    public string PositiveClass { get; init; } = Models.ClassNames.Positive;

    /// <summary>Probability of <see cref="PositiveClass"/> at or above which an image is labelled positive.</summary>
    public required double OperatingThreshold { get; init; }

    /// <summary>How the threshold was chosen (e.g. "sensitivity>=0.95 on validation", "youden", "default").</summary>
    public string ThresholdMethod { get; init; } = "default";

    public ModelTrainingSummary? Training { get; init; }

    public ModelEvaluationSummary? Evaluation { get; init; }

    public ParitySummary? Parity { get; init; }

    /// <summary>
    /// The training framework's weights of this model, so retraining can continue from it (warm start). Null in
    /// packages published before packages carried weights; those still load and serve, since serving needs only ONNX.
    /// </summary>
    public ModelWeightsInfo? Weights { get; init; }

    /// <summary>Always present so nobody mistakes a package for a medical device.</summary>
    public string Disclaimer { get; init; } = Disclaimers.ResearchOnly;

    public string ToJson() => JsonSerializer.Serialize(this, ManifestJson.Options);

    public static ModelManifest FromJson(string json) =>
        JsonSerializer.Deserialize<ModelManifest>(json, ManifestJson.Options)
        ?? throw new JsonException("manifest.json is empty.");
}

/// <summary>What produced the model.</summary>
public sealed record ModelTrainingSummary
{
    public required string Architecture { get; init; }

    public required string Preset { get; init; }

    public int Epochs { get; init; }

    public int BatchSize { get; init; }

    public double LearningRate { get; init; }

    public double Momentum { get; init; }

    public int Seed { get; init; }

    public int TrainingImages { get; init; }

    public int ValidationImages { get; init; }

    public long TrainableParameters { get; init; }

    public string? DatasetManifest { get; init; }

    public double WallSeconds { get; init; }
}

/// <summary>Headline validation metrics; the full set lives in the package's <c>metrics.json</c>.</summary>
public sealed record ModelEvaluationSummary
{
    public double Accuracy { get; init; }

    /// <summary>ROC AUC of the positive class.</summary>
    public double PositiveClassAuc { get; init; }

    public double SensitivityAtThreshold { get; init; }

    public double SpecificityAtThreshold { get; init; }

    public double Loss { get; init; }

    public int Samples { get; init; }

    /// <summary>Lower end of the positive-class AUC's 95% stratified bootstrap interval; null when not computed.</summary>
    public double? PositiveClassAucLowerBound { get; init; }

    /// <summary>Upper end of the same interval.</summary>
    public double? PositiveClassAucUpperBound { get; init; }

    /// <summary>Evaluated images per true class; null when not recorded.</summary>
    public IReadOnlyDictionary<string, int>? SamplesPerClass { get; init; }
}

/// <summary>
/// The training weights a package carries beside its ONNX graph. Core treats them as opaque bytes checked against
/// <see cref="Sha256"/>: only the trainer understands <see cref="Format"/> and <see cref="Architecture"/>, which is
/// how an inference-only deployment stays free of the training framework.
/// </summary>
public sealed record ModelWeightsInfo
{
    /// <summary>File name inside the package (a bare name, never a path).</summary>
    public string FileName { get; init; } = ModelManifest.WeightsFileName;

    /// <summary>Lower-case hex SHA-256 of the weights file; loading the weights refuses a file that does not match.</summary>
    public required string Sha256 { get; init; }

    /// <summary>How the bytes are encoded, e.g. <c>torchsharp-state-dict</c>.</summary>
    public required string Format { get; init; }

    /// <summary>The architecture configuration the weights belong to, as the trainer wrote it (a JSON object).</summary>
    public required JsonElement Architecture { get; init; }
}

/// <summary>ONNX Runtime vs TorchSharp agreement measured after export.</summary>
public sealed record ParitySummary
{
    public required double MaxAbsoluteDifference { get; init; }

    public required double Tolerance { get; init; }

    public required int InputsCompared { get; init; }

    /// <summary>
    /// Largest difference in the <c>cam</c> output (class activation maps); null when the model has no such output,
    /// as in every manifest written before it existed.
    /// </summary>
    public double? CamMaxAbsoluteDifference { get; init; }

    /// <summary>The tolerance the maps were held to: <see cref="Tolerance"/> scaled by their magnitude when above 1.</summary>
    public double? CamTolerance { get; init; }

    public bool Passed => MaxAbsoluteDifference <= Tolerance
        && (CamMaxAbsoluteDifference is not { } cam || (CamTolerance is { } camTolerance && cam <= camTolerance));
}

/// <summary>The one JSON style for manifests, reports and results: camelCase, enums as strings, indented.</summary>
public static class ManifestJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}
