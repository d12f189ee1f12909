namespace ServerlessCovid.Core.Inference;

/// <summary>
/// The positive class's class activation map: the head's logit at each cell of the last feature map
/// (<see cref="Height"/> × <see cref="Width"/>, row-major; 8×8 for NASNet at 256 px), whose mean is that class's
/// logit. It shows where the model's evidence lies, shortcuts (markers, borders, devices) as readily as findings;
/// it is not a diagnosis and not a localisation of disease. Research use only.
/// </summary>
public sealed record ActivationMap(int Width, int Height, float[] Values)
{
    /// <summary>Name of the optional ONNX output [N, classes, h, w] that carries the maps.</summary>
    public const string OutputName = "cam";
}
