namespace ServerlessCovid.Core.Datasets.Synthetic;

/// <summary>Smooth low-frequency noise: random values on a coarse grid, interpolated with a smoothstep.</summary>
internal sealed class ValueNoise
{
    private readonly float[] _grid;
    private readonly int _cellsX;
    private readonly int _cellsY;
    private readonly double _scaleX;
    private readonly double _scaleY;

    public ValueNoise(ref DeterministicRandom rng, int width, int height, int cellsX, int cellsY)
    {
        _cellsX = cellsX;
        _cellsY = cellsY;
        _grid = new float[(cellsX + 1) * (cellsY + 1)];
        for (int i = 0; i < _grid.Length; i++)
        {
            _grid[i] = (float)rng.NextDouble();
        }

        _scaleX = (double)cellsX / width;
        _scaleY = (double)cellsY / height;
    }

    /// <summary>Value in [0, 1] at pixel (x, y).</summary>
    public float At(int x, int y)
    {
        double gx = x * _scaleX;
        double gy = y * _scaleY;
        int ix = Math.Min((int)gx, _cellsX - 1);
        int iy = Math.Min((int)gy, _cellsY - 1);
        double fx = Smooth(gx - ix);
        double fy = Smooth(gy - iy);
        int row = iy * (_cellsX + 1);
        int next = row + _cellsX + 1;
        double top = _grid[row + ix] + ((_grid[row + ix + 1] - _grid[row + ix]) * fx);
        double bottom = _grid[next + ix] + ((_grid[next + ix + 1] - _grid[next + ix]) * fx);
        return (float)(top + ((bottom - top) * fy));
    }

    private static double Smooth(double t) => t * t * (3 - (2 * t));
}
