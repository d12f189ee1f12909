using System.Text.RegularExpressions;

namespace ServerlessCovid.Infra.Tests;

/// <summary>
/// Docker cannot run where these tests run, so the image contract the template relies on is checked as text: a
/// multi-stage build on the Functions isolated .NET 10 host, CUDA 13 libraries, a non-root user, port 8080.
/// </summary>
public sealed partial class DockerfileTests
{
    private static readonly string Dockerfile = File.ReadAllText(RepositoryRoot.Combine("Dockerfile"));

    [Fact]
    public void Dockerfile_Stages_BuildWithSdkAndRunOnFunctionsIsolatedHost()
    {
        // Arrange
        string[] stages = [.. FromLine().Matches(Dockerfile).Select(match => match.Groups["image"].Value)];

        // Act
        string? functionsImage = ArgDefault("FUNCTIONS_IMAGE");

        // Assert
        Assert.Equal(["${SDK_IMAGE}", "${CUDA_IMAGE}", "${FUNCTIONS_IMAGE}"], stages);
        Assert.Equal("mcr.microsoft.com/azure-functions/dotnet-isolated:4-dotnet-isolated10.0", functionsImage);
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0", ArgDefault("SDK_IMAGE"), StringComparison.Ordinal);
        Assert.Contains("dotnet publish src/ServerlessCovid.Functions/ServerlessCovid.Functions.csproj", Dockerfile, StringComparison.Ordinal);
    }

    [Fact]
    public void Dockerfile_CudaLibraries_MatchOnnxRuntimeGpuRequirements()
    {
        // Arrange: ONNX Runtime GPU 1.31's CUDA provider needs CUDA 13 (cudart/cublas .so.13) and cuDNN 9.
        string? cudaImage = ArgDefault("CUDA_IMAGE");

        // Act
        string[] libraries = ["libcudart.so.13", "libcublas.so.13", "libcublasLt.so.13", "libcurand.so.10", "libcudnn*.so.9"];

        // Assert
        Assert.Matches(@"^nvidia/cuda:13\.\d+\.\d+-cudnn-runtime-", cudaImage);
        Assert.All(libraries, library => Assert.Contains(library, Dockerfile, StringComparison.Ordinal));
        Assert.Contains("LD_LIBRARY_PATH=/opt/cuda/lib", Dockerfile, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dockerfile_Runtime_IsNonRootOnThePortTheTemplateTargets()
    {
        // Arrange
        string template = await File.ReadAllTextAsync(RepositoryRoot.Combine("infra", "main.bicep"));

        // Act
        string user = UserLine().Match(Dockerfile).Groups["user"].Value;

        // Assert
        Assert.Equal("${APP_UID}:${APP_UID}", user);
        Assert.Equal("10001", ArgDefault("APP_UID"));
        Assert.Contains("ASPNETCORE_URLS=http://+:8080", Dockerfile, StringComparison.Ordinal);
        Assert.Contains("? 80 : 8080", template, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DockerIgnore_Context_ExcludesBuildOutputsAndLocalSecrets()
    {
        // Arrange
        string[] lines = await File.ReadAllLinesAsync(RepositoryRoot.Combine(".dockerignore"));

        // Act
        string[] patterns = [.. lines.Where(line => line.Length > 0 && !line.StartsWith('#'))];

        // Assert
        Assert.Contains("**/bin/", patterns);
        Assert.Contains("**/obj/", patterns);
        Assert.Contains("**/node_modules/", patterns);
        Assert.Contains("**/local.settings.json", patterns);
        Assert.Contains(".git/", patterns);
    }

    private static string? ArgDefault(string name)
    {
        Match match = Regex.Match(Dockerfile, $@"^ARG {name}=(?<value>\S+)$", RegexOptions.Multiline);
        return match.Success ? match.Groups["value"].Value : null;
    }

    [GeneratedRegex(@"^FROM (?<image>\S+)", RegexOptions.Multiline)]
    private static partial Regex FromLine();

    [GeneratedRegex(@"^USER (?<user>\S+)$", RegexOptions.Multiline)]
    private static partial Regex UserLine();
}
