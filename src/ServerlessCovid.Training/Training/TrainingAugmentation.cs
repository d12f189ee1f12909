using TorchSharp;
using static TorchSharp.torch;

namespace ServerlessCovid.Training.Training;

/// <summary>
/// Random shifts and mirror images of the training batches (never of validation, the precise-BN pass or serving).
/// Without them every film shows its lungs in about the same place, and the network may collect the evidence of an
/// opacity in any cell its receptive field reaches; shifts and mirrors were tried to tie the class activation map to
/// the finding, and did not (model card), so no preset uses them. Draws come from the seed, the epoch and the step, so a
/// resumed run augments as an uninterrupted one does, and TorchSharp's random generators (some broken) are not used.
/// </summary>
public sealed record TrainingAugmentation
{
    /// <summary>No augmentation: every batch as loaded.</summary>
    public static TrainingAugmentation None { get; } = new();

    /// <summary>
    /// Largest shift along each axis as a fraction of the image side; the uncovered border repeats the edge pixels (a
    /// film's collimated edge), never black that would mark shifted images.
    /// </summary>
    public double MaxShiftFraction { get; init; }

    /// <summary>Mirror each image left–right with probability ½ (heart on the other side: a shape, not a finding).</summary>
    public bool HorizontalFlip { get; init; }

    public bool IsNone => MaxShiftFraction == 0 && !HorizontalFlip;

    public void Validate()
    {
        if (MaxShiftFraction is < 0 or > 0.25 || double.IsNaN(MaxShiftFraction))
        {
            throw new ArgumentException(
                $"Invalid augmentation: a maximal shift of {MaxShiftFraction} of the image side; use 0 (off) to 0.25.");
        }
    }

    /// <summary>What the recipe line of a benchmark or model card says.</summary>
    public string Describe() => IsNone
        ? "no augmentation"
        : string.Join(
            " + ",
            new[]
            {
                MaxShiftFraction > 0 ? FormattableString.Invariant($"shifts up to {MaxShiftFraction:P0}") : null,
                HorizontalFlip ? "left-right flips" : null,
            }.Where(part => part is not null));

    /// <summary>
    /// The augmented batch ([N, C, H, W], new tensor in the caller's dispose scope); the batch itself when
    /// <see cref="IsNone"/>.
    /// </summary>
    public Tensor Apply(Tensor batch, int seed, int epoch, int step)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (IsNone)
        {
            return batch;
        }

        long height = batch.shape[2];
        long width = batch.shape[3];
        int maxX = (int)Math.Floor(MaxShiftFraction * width);
        int maxY = (int)Math.Floor(MaxShiftFraction * height);
        Random draws = new(unchecked((((seed * 7919) + epoch) * 104_729) + step));
        Tensor padded = maxX + maxY > 0
            ? nn.functional.pad(batch, [maxX, maxX, maxY, maxY], PaddingModes.Replicate)
            : batch;
        Tensor[] images = new Tensor[batch.shape[0]];
        for (int i = 0; i < images.Length; i++)
        {
            // The crop's corner picks the shift: corner (maxX, maxY) is the unshifted image.
            int left = draws.Next(0, (2 * maxX) + 1);
            int top = draws.Next(0, (2 * maxY) + 1);
            bool flip = HorizontalFlip && draws.Next(2) == 1;
            Tensor image = padded[i].narrow(1, top, height).narrow(2, left, width);
            images[i] = flip ? image.flip(2) : image;
        }

        return stack(images);
    }
}
