using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace ServerlessCovid.Core.Datasets.Synthetic;

/// <summary>A contact sheet of synthetic radiographs for visual checks (docs/images).</summary>
public static class SyntheticSampleGrid
{
    /// <summary>
    /// Renders the first <paramref name="rows"/>×<paramref name="columns"/> images of <paramref name="label"/> from
    /// dataset <paramref name="seed"/> into one 8-bit grayscale PNG; each image is fitted (aspect kept) into a square cell.
    /// </summary>
    public static byte[] Render(int seed, string label, int rows, int columns, int size = 512, int cell = 192)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        const int gap = 4;
        using Image<L8> sheet = new(columns * (cell + gap) + gap, rows * (cell + gap) + gap, new L8(255));
        int placed = 0;
        for (int index = 0; placed < rows * columns; index++)
        {
            if (SyntheticXrayGenerator.LabelOf(index) != label)
            {
                continue;
            }

            SyntheticXray xray = SyntheticXrayGenerator.Generate(seed, index, size);
            using Image<L8> image = Image.LoadPixelData<L8>(xray.Pixels, xray.Width, xray.Height);
            image.Mutate(x => x.Resize(new ResizeOptions { Size = new Size(cell, cell), Mode = ResizeMode.Max }));
            int left = gap + ((placed % columns) * (cell + gap)) + ((cell - image.Width) / 2);
            int top = gap + ((placed / columns) * (cell + gap)) + ((cell - image.Height) / 2);
            for (int y = 0; y < image.Height; y++)
            {
                for (int x = 0; x < image.Width; x++)
                {
                    sheet[left + x, top + y] = image[x, y];
                }
            }

            placed++;
        }

        using MemoryStream stream = new();
        sheet.SaveAsPng(stream, SyntheticXray.PngEncoderFor8BitGray);
        return stream.ToArray();
    }
}
