namespace ServerlessCovid.Core.Datasets.Synthetic;

/// <summary>
/// SplitMix64: tiny, fast and fully specified, so a seed gives the same images on every runtime and machine
/// (System.Random's algorithm is an implementation detail). Each image gets its own stream derived from
/// (dataset seed, image index), so images can be rendered in parallel and in any order.
/// </summary>
internal struct DeterministicRandom
{
    private ulong _state;

    public DeterministicRandom(ulong seed) => _state = seed;

    public static DeterministicRandom ForImage(int seed, int index, ulong stream = 0)
    {
        DeterministicRandom mixer = new(((ulong)(uint)seed << 32) ^ (uint)index ^ (stream * 0xD1B54A32D192ED03UL));
        return new DeterministicRandom(mixer.NextULong());
    }

    public ulong NextULong()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    public double Uniform(double min, double max) => min + ((max - min) * NextDouble());

    public bool Chance(double probability) => NextDouble() < probability;

    public int Int(int minInclusive, int maxExclusive) => minInclusive + (int)(NextDouble() * (maxExclusive - minInclusive));

    /// <summary>Standard normal (Box–Muller).</summary>
    public double Normal()
    {
        double u1 = 1.0 - NextDouble();
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
