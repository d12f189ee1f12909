using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Training;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Training.Tests;

/// <summary>
/// Small generated "x-rays" on disk: covid images are bright with a dark left half, normal images bright with a
/// dark right half, plus noise. Learnable in a few epochs by the tiny network; no binary fixtures.
/// </summary>
internal sealed class ToyDataset : IDisposable
{
    public ToyDataset(int perClass, int imagesPerPatient = 1, int size = 32, int seed = 1, bool writeManifest = false)
    {
        Directory = Path.Combine(Path.GetTempPath(), "sc-train-" + Guid.NewGuid().ToString("N"));
        Random random = new(seed);
        List<string> manifest = ["file,label,patient_id"];
        foreach (string label in ClassNames.InOutputOrder)
        {
            string folder = Path.Combine(Directory, label);
            System.IO.Directory.CreateDirectory(folder);
            for (int i = 0; i < perClass; i++)
            {
                string file = $"{label}_{i:D3}.png";
                Write(Path.Combine(folder, file), label == ClassNames.Covid, size, random);
                manifest.Add($"{label}/{file},{label},{label}-p{i / imagesPerPatient:D3}");
            }
        }

        if (writeManifest)
        {
            File.WriteAllLines(Path.Combine(Directory, ImageFolderDataset.ManifestFileName), manifest);
        }
    }

    public string Directory { get; }

    public IReadOnlyList<LabelledImage> Images => ImageFolderDataset.Load(Directory);

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }

    private static void Write(string path, bool darkLeft, int size, Random random)
    {
        using Image<Rgb24> image = new(size, size);
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                bool dark = darkLeft ? x < size / 2 : x >= size / 2;
                int value = Math.Clamp((dark ? 50 : 200) + random.Next(-40, 41), 0, 255);
                image[x, y] = new Rgb24((byte)value, (byte)value, (byte)value);
            }
        }

        image.SaveAsPng(path);
    }
}
