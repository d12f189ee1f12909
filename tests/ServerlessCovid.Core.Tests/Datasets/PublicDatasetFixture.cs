using System.Text;
using ServerlessCovid.Core.Datasets;
using ServerlessCovid.Core.Datasets.Synthetic;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace ServerlessCovid.Core.Tests.Datasets;

/// <summary>Small copies of the Cohen and Kermany layouts in a temp folder, with generated images.</summary>
internal sealed class PublicDatasetFixture : IDisposable
{
    /// <summary>The real header of covid-chestxray-dataset's metadata.csv, trailing comma included.</summary>
    public const string CohenHeader =
        "patientid,offset,sex,age,finding,RT_PCR_positive,survival,intubated,intubation_present,went_icu,in_icu,"
        + "needed_supplemental_O2,extubated,temperature,pO2_saturation,leukocyte_count,neutrophil_count,lymphocyte_count,"
        + "view,modality,date,location,folder,filename,doi,url,license,clinical_notes,other_notes,";

    private static readonly string[] Columns = CohenHeader.Split(',');
    private readonly StringBuilder _metadata = new(CohenHeader + "\n");
    private int _nextLine = 2;
    private int _imageIndex;

    public PublicDatasetFixture()
    {
        Directory.CreateDirectory(Path.Combine(CohenDirectory, "images"));
    }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "public-datasets-" + Guid.NewGuid().ToString("N"));

    public string CohenDirectory => Path.Combine(Root, "covid-chestxray-dataset");

    public string KermanyDirectory => Path.Combine(Root, "kermany");

    /// <summary>Appends a metadata row (and its image unless told otherwise); returns the reference "metadata.csv:LINE".</summary>
    public string AddCohenRow(
        string patient, string finding, string view, string modality, string fileName,
        string notes = "", bool writeImage = true, byte[]? imageBytes = null)
    {
        string[] fields = new string[Columns.Length];
        Array.Fill(fields, string.Empty);
        Set(fields, "patientid", patient);
        Set(fields, "finding", finding);
        Set(fields, "view", view);
        Set(fields, "modality", modality);
        Set(fields, "folder", "images");
        Set(fields, "filename", fileName);
        Set(fields, "clinical_notes", notes);
        Set(fields, "sex", "M");
        Set(fields, "age", "65");
        return AddRawCohenLine(CsvTable.FormatLine(fields), writeImage ? (fileName, imageBytes ?? NewImage(fileName)) : null);
    }

    /// <summary>Appends a line as given (for malformed rows).</summary>
    public string AddRawCohenLine(string line, (string FileName, byte[] Bytes)? image = null)
    {
        string reference = $"metadata.csv:{_nextLine}";
        _metadata.Append(line).Append('\n');
        _nextLine += line.Count(c => c == '\n') + 1;
        if (image is { } i)
        {
            File.WriteAllBytes(Path.Combine(CohenDirectory, "images", i.FileName), i.Bytes);
        }

        return reference;
    }

    public void WriteMetadata() => File.WriteAllText(Path.Combine(CohenDirectory, "metadata.csv"), _metadata.ToString());

    /// <summary>Writes a Kermany file under <paramref name="relativePath"/> (relative to <see cref="KermanyDirectory"/>).</summary>
    public string AddKermanyFile(string relativePath, byte[]? bytes = null)
    {
        string path = Path.Combine(KermanyDirectory, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes ?? NewImage(path));
        return relativePath;
    }

    public void Dispose()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }

    private byte[] NewImage(string name)
    {
        SyntheticXray xray = SyntheticXrayGenerator.Generate(99, _imageIndex++, 32);
        if (!name.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase) && !name.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase))
        {
            return xray.EncodePng();
        }

        using Image<L8> image = Image.LoadPixelData<L8>(xray.Pixels, xray.Width, xray.Height);
        using MemoryStream stream = new();
        image.SaveAsJpeg(stream);
        return stream.ToArray();
    }

    private static void Set(string[] fields, string column, string value) => fields[Array.IndexOf(Columns, column)] = value;
}
