using ServerlessCovid.Core.Imaging.Dicom;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Core.Imaging;

/// <summary>
/// A DICOM file as a whole grey image, rendered by the same PS3.3 C.11 display pipeline the model's input comes from,
/// for the readers that need full-size pixels rather than the 256×256 tensor (the dataset audit's fingerprints, the
/// report's thumbnails). ImageSharp cannot open DICOM, so without this they would refuse every <c>.dcm</c>.
/// </summary>
public static class DicomDisplay
{
    /// <summary>Whether the bytes are DICOM by the preprocessor's own sniffing (Part 10, or a cleanly parsing bare dataset).</summary>
    public static bool IsDicom(ReadOnlySpan<byte> bytes) => DicomReader.IsPart10(bytes) || DicomReader.MayBeRawDataset(bytes);

    /// <summary>The first frame as 8-bit grey (RGB files converted with ImageSharp's luma weights).</summary>
    /// <exception cref="ImageRejectedException">The file is not a DICOM image this reader renders, with its stable code.</exception>
    public static Image<L8> LoadGrey(byte[] bytes, ImageInputOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        options ??= new ImageInputOptions();
        HardenedImageDecoder decoder = new(options);
        using DicomImage image = new DicomReader(options, decoder).Read(bytes, bytes.Length, decoder.CreateBudget(bytes.Length, CancellationToken.None));
        if (image.Channels == 1)
        {
            return Image.LoadPixelData<L8>(image.Pixels, image.Width, image.Height);
        }

        using Image<Rgb24> rgb = Image.LoadPixelData<Rgb24>(image.Pixels, image.Width, image.Height);
        return rgb.CloneAs<L8>();
    }
}
