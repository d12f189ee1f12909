namespace ServerlessCovid.Core.Inference;

/// <summary>
/// The positive class's class activation map, as evidence for that class against the others: at each cell of the
/// last feature map (<see cref="Height"/> × <see cref="Width"/>, row-major; 8×8 for NASNet at 256 px), the positive
/// class's logit minus the mean of the other classes' (<see cref="ForPositiveClass"/>). With two classes its mean is
/// the log-odds of the positive class. It shows where the model's evidence lies, shortcuts (markers, borders, devices)
/// as readily as findings; it is not a diagnosis and not a localisation of disease. Research use only.
/// </summary>
public sealed record ActivationMap(int Width, int Height, float[] Values)
{
    /// <summary>Name of the optional ONNX output [N, classes, h, w] that carries the per-class maps.</summary>
    public const string OutputName = "cam";

    /// <summary>
    /// The positive class's evidence map from one image's per-class maps (<paramref name="classMaps"/>: classes ×
    /// height × width, row-major, as the <c>cam</c> output holds them): the positive map minus the mean of the others.
    /// </summary>
    /// <remarks>
    /// The positive class's own map is not what the model decided with. A softmax ignores anything added to every
    /// class's logit, and cross-entropy's gradients sum to zero over the classes, so the part of the head's weights
    /// that all classes share never trains: it keeps its random initialisation (weight decay shrinks it by lr·decay a
    /// step, next to nothing for a few epochs). Half of that shared part, a random projection of the features, is in
    /// the positive class's map; the difference cancels it exactly. See models/nasnet-a-mobile.md for what it weighed.
    /// </remarks>
    public static ActivationMap ForPositiveClass(ReadOnlySpan<float> classMaps, int classes, int positiveIndex, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        ArgumentOutOfRangeException.ThrowIfNegative(positiveIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(positiveIndex, classes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        int cells = width * height;
        if (classMaps.Length != classes * cells)
        {
            throw new ArgumentException($"{classes} maps of {width}×{height} need {classes * cells} values, not {classMaps.Length}.", nameof(classMaps));
        }

        float[] values = classMaps.Slice(positiveIndex * cells, cells).ToArray();
        float share = 1f / (classes - 1);
        for (int c = 0; c < classes; c++)
        {
            if (c == positiveIndex)
            {
                continue;
            }

            ReadOnlySpan<float> other = classMaps.Slice(c * cells, cells);
            for (int i = 0; i < cells; i++)
            {
                values[i] -= share * other[i];
            }
        }

        return new ActivationMap(width, height, values);
    }
}
