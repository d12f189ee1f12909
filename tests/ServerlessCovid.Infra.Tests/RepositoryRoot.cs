namespace ServerlessCovid.Infra.Tests;

/// <summary>Finds the repository from the test output folder, so the tests read the committed infra/ files.</summary>
internal static class RepositoryRoot
{
    private const string Marker = "ServerlessCovid.sln";

    public static string Path { get; } = Find();

    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, Marker)))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No {Marker} above {AppContext.BaseDirectory}; run the tests from a clone.");
    }
}
