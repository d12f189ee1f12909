using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Models;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace ServerlessCovid.Training.Training;

/// <summary>Turns an image file into the model's input: CHW float32, <see cref="Preprocessing.ValuesPerImage"/> values.</summary>
public interface ITrainingImageLoader
{
    /// <exception cref="ImageRejectedException">The file is not a usable image.</exception>
    float[] Load(string path);
}

/// <summary>
/// The paper's preprocessing (<see cref="Preprocessing.RgbStretchUnit256"/>): RGB, stretched to 256×256, ÷255.
/// SEAM: serving's preprocessor (issue-3, Core/Imaging) must be the one implementation; when it lands this class
/// delegates to it in one line so training and serving cannot drift.
/// </summary>
public sealed class PaperPreprocessingImageLoader : ITrainingImageLoader
{
    public float[] Load(string path)
    {
        Image<Rgb24> image;
        try
        {
            image = Image.Load<Rgb24>(path);
        }
        catch (UnknownImageFormatException ex)
        {
            throw new ImageRejectedException(ImageErrorCodes.UnsupportedFormat, $"'{path}' is not an image format we can read.", ex);
        }
        catch (InvalidImageContentException ex)
        {
            throw new ImageRejectedException(ImageErrorCodes.Corrupt, $"'{path}' is corrupt: {ex.Message}", ex);
        }

        using (image)
        {
            image.Mutate(x => x.Resize(new ResizeOptions
            {
                Size = new Size(Preprocessing.Size, Preprocessing.Size),
                Mode = ResizeMode.Stretch,
                Sampler = KnownResamplers.Bicubic,
            }));
            float[] chw = new float[Preprocessing.ValuesPerImage];
            const int Plane = Preprocessing.Size * Preprocessing.Size;
            image.ProcessPixelRows(rows =>
            {
                for (int y = 0; y < rows.Height; y++)
                {
                    Span<Rgb24> row = rows.GetRowSpan(y);
                    for (int x = 0; x < row.Length; x++)
                    {
                        int offset = (y * Preprocessing.Size) + x;
                        chw[offset] = row[x].R / 255f;
                        chw[Plane + offset] = row[x].G / 255f;
                        chw[(2 * Plane) + offset] = row[x].B / 255f;
                    }
                }
            });
            return chw;
        }
    }
}
