namespace ServerlessCovid.Core.Models;

/// <summary>
/// The paper's preprocessing: RGB, 256×256 stretched (aspect ratio ignored), values divided by 255, NCHW float32.
/// The id is recorded in every model manifest and every result so serving can never silently drift from training.
/// </summary>
public static class Preprocessing
{
    public const string RgbStretchUnit256 = "rgb256-stretch-unit";

    public const int Channels = 3;

    public const int Size = 256;

    public const int ValuesPerImage = Channels * Size * Size;
}
