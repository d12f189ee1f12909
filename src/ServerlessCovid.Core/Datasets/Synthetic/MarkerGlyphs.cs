namespace ServerlessCovid.Core.Datasets.Synthetic;

/// <summary>5×7 bitmaps of the lead side markers radiographers place on the detector.</summary>
internal static class MarkerGlyphs
{
    public const int Columns = 5;

    public const int Rows = 7;

    private static readonly string[] L =
    [
        "X....",
        "X....",
        "X....",
        "X....",
        "X....",
        "X....",
        "XXXXX",
    ];

    private static readonly string[] R =
    [
        "XXXX.",
        "X...X",
        "X...X",
        "XXXX.",
        "X.X..",
        "X..X.",
        "X...X",
    ];

    public static bool IsSet(char marker, int column, int row) =>
        (marker == 'L' ? L : R)[row][column] == 'X';
}
