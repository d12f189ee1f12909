using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Training.Training;

/// <summary>Turns an image file into the model's input: CHW float32, <see cref="Preprocessing.ValuesPerImage"/> values.</summary>
public interface ITrainingImageLoader
{
    /// <exception cref="ImageRejectedException">The file is not a usable image.</exception>
    float[] Load(string path);
}

/// <summary>
/// Training reads images through serving's own <see cref="XrayPreprocessor"/> (the paper's RGB, 256×256 stretch,
/// ÷255), so a model can never be trained on pixels that serving would compute differently.
/// </summary>
public sealed class XrayPreprocessorImageLoader(XrayPreprocessor preprocessor) : ITrainingImageLoader
{
    public XrayPreprocessorImageLoader()
        : this(XrayPreprocessor.Default)
    {
    }

    public float[] Load(string path)
    {
        float[] tensor = new float[Preprocessing.ValuesPerImage];
        preprocessor.LoadTensor(path, tensor);
        return tensor;
    }
}
