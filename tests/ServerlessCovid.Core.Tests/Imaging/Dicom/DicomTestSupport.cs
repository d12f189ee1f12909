using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Imaging.Dicom;

namespace ServerlessCovid.Core.Tests.Imaging.Dicom;

/// <summary>Runs the reader on written files, and the PS3.3 C.11 formulas written out independently of the product.</summary>
internal static class DicomTestSupport
{
    public static byte[] Display(byte[] file, ImageInputOptions? options = null)
    {
        options ??= new ImageInputOptions();
        HardenedImageDecoder decoder = new(options);
        DecodeBudget budget = decoder.CreateBudget(file.Length, CancellationToken.None);
        using DicomImage image = new DicomReader(options, decoder).Read(file, file.Length, budget);
        return image.Pixels.ToArray();
    }

    public static ImageRejectedException Reject(byte[] file, ImageInputOptions? options = null) =>
        Assert.Throws<ImageRejectedException>(() => Display(file, options));

    /// <summary>C.11.2.1.2.1, output 0..255, rounded half away from zero.</summary>
    public static byte Linear(double x, double center, double width)
    {
        double y;
        if (x <= center - 0.5 - ((width - 1) / 2))
        {
            y = 0;
        }
        else if (x > center - 0.5 + ((width - 1) / 2))
        {
            y = 255;
        }
        else
        {
            y = (((x - (center - 0.5)) / (width - 1)) + 0.5) * 255;
        }

        return Round(y);
    }

    public static byte MinMax(double x, double min, double max) => Round((x - min) / (max - min) * 255);

    public static byte Round(double y) => (byte)Math.Round(Math.Clamp(y, 0, 255), MidpointRounding.AwayFromZero);

    /// <summary>A deterministic pattern of <paramref name="count"/> values in [<paramref name="low"/>, <paramref name="high"/>].</summary>
    public static int[] Pattern(int count, int low, int high) =>
        Enumerable.Range(0, count).Select(i => low + (int)(((long)i * 7919 + (i * i)) % (high - low + 1))).ToArray();
}
