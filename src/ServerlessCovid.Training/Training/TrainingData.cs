using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace ServerlessCovid.Training.Training;

/// <summary>Images of one side of the split, decoded once and held as a [N,3,S,S] tensor with class indices.</summary>
public sealed class TrainingData : IDisposable
{
    private TrainingData(Tensor images, Tensor labels)
    {
        Images = images;
        Labels = labels;
    }

    public Tensor Images { get; }

    /// <summary>Class index in model output order (<see cref="ClassNames.InOutputOrder"/>).</summary>
    public Tensor Labels { get; }

    public long Count => Labels.shape[0];

    public static TrainingData Load(IReadOnlyList<LabelledImage> items, ITrainingImageLoader loader, int imageSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(loader);

        // One image at a time into the final tensor: a managed buffer of the whole set would double peak memory.
        long[] imageShape = [Preprocessing.Channels, Preprocessing.Size, Preprocessing.Size];
        Tensor images = empty([items.Count, .. imageShape], ScalarType.Float32);
        long[] labels = new long[items.Count];
        try
        {
            for (int i = 0; i < items.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                images[i].copy_(tensor(LoadOne(items[i], loader), imageShape));
                labels[i] = ClassNames.IndexOf(items[i].Label);
            }

            if (imageSize != Preprocessing.Size)
            {
                Tensor resized = nn.functional.interpolate(images, [imageSize, imageSize], mode: InterpolationMode.Bilinear, align_corners: false);
                images.Dispose();
                images = resized;
            }
        }
        catch
        {
            images.Dispose();
            throw;
        }

        return new TrainingData(images, tensor(labels));
    }

    private static float[] LoadOne(LabelledImage item, ITrainingImageLoader loader)
    {
        try
        {
            return loader.Load(item.Path);
        }
        catch (ImageRejectedException ex)
        {
            throw new InvalidDatasetException($"Cannot train on '{item.Path}' ({ex.Code}): {ex.Reason} Remove or replace the file.", ex);
        }
        catch (IOException ex)
        {
            throw new InvalidDatasetException($"Cannot read '{item.Path}': {ex.Message}", ex);
        }
    }

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
