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
        float[] values = new float[items.Count * (long)Preprocessing.ValuesPerImage];
        long[] labels = new long[items.Count];
        for (int i = 0; i < items.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            float[] image;
            try
            {
                image = loader.Load(items[i].Path);
            }
            catch (ImageRejectedException ex)
            {
                throw new InvalidDatasetException($"Cannot train on '{items[i].Path}' ({ex.Code}): {ex.Reason} Remove or replace the file.", ex);
            }
            catch (IOException ex)
            {
                throw new InvalidDatasetException($"Cannot read '{items[i].Path}': {ex.Message}", ex);
            }

            image.CopyTo(values, (long)i * Preprocessing.ValuesPerImage);
            labels[i] = ClassNames.IndexOf(items[i].Label);
        }

        Tensor images = tensor(values, [items.Count, Preprocessing.Channels, Preprocessing.Size, Preprocessing.Size]);
        if (imageSize != Preprocessing.Size)
        {
            Tensor resized = nn.functional.interpolate(images, [imageSize, imageSize], mode: InterpolationMode.Bilinear, align_corners: false);
            images.Dispose();
            images = resized;
        }

        return new TrainingData(images, tensor(labels));
    }

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
