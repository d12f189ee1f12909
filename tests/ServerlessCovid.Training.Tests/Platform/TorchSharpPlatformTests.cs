using ServerlessCovid.Build;
using ServerlessCovid.Training.Platform;
using TorchSharp;
using static TorchSharp.torch;

namespace ServerlessCovid.Training.Tests.Platform;

public sealed class TorchSharpPlatformTests
{
    private const string Version = "GLIBCXX_3.4.32";
    private const string Symbol = "_ZSt21ios_base_library_initv";

    private static string OutputLibrary =>
        Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    private static string PackageLibrary =>
        Path.Combine(Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
            "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    private static bool SystemLacksVersion =>
        !ElfVersionPatcher.FileContainsVersionString(
            Array.Find(["/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib64/libstdc++.so.6", "/usr/lib64/libstdc++.so.6"], File.Exists)!,
            Version);

    [Fact]
    public void ForwardAndBackward_SmallConvNet_ProducesFiniteGradients()
    {
        // Arrange
        TorchRuntime.EnsureInitialized();
        torch.manual_seed(7);
        using var scope = NewDisposeScope();
        var conv = nn.Conv2d(3, 4, 3);
        var head = nn.Linear(4, 2);
        Tensor images = randn(2, 3, 8, 8);
        Tensor labels = tensor(new long[] { 0, 1 });

        // Act
        Tensor features = nn.functional.adaptive_avg_pool2d(nn.functional.relu(conv.forward(images)), 1).flatten(1);
        Tensor loss = nn.functional.cross_entropy(head.forward(features), labels);
        loss.backward();

        // Assert
        Assert.True(float.IsFinite(loss.item<float>()));
        Tensor gradient = conv.weight!.grad!;
        Assert.Equal(conv.weight.shape, gradient.shape);
        Assert.True(gradient.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void BuildOutput_OnThisMachine_IsPatchedOnlyWhenTheSystemLibStdCxxIsTooOld()
    {
        // Arrange
        Assert.True(File.Exists(OutputLibrary), $"Expected TorchSharp natives at {OutputLibrary}");
        string? compat = TorchRuntime.FindCompatLibrary(AppContext.BaseDirectory);

        // Act
        bool weak = ElfVersionPatcher.IsRequirementWeak(OutputLibrary, "libstdc++.so.6", Version);

        // Assert
        if (SystemLacksVersion)
        {
            Assert.True(weak, "The build should have made GLIBCXX_3.4.32 optional in the output copy.");
            Assert.Empty(ElfVersionPatcher.SymbolsRequiring(OutputLibrary, "libstdc++.so.6", Version));
            Assert.NotNull(compat);
        }
        else
        {
            Assert.False(weak, "A machine with a new libstdc++ must get TorchSharp untouched.");
            Assert.Null(compat);
        }
    }

    [Fact]
    public void Patch_PristinePackageCopy_MakesOnlyTheIosBaseSymbolOptionalAndIsIdempotent()
    {
        // Arrange
        Assert.True(File.Exists(PackageLibrary), $"Expected the NuGet copy at {PackageLibrary}");
        string copy = Path.Combine(Path.GetTempPath(), $"libLibTorchSharp-{Guid.NewGuid():N}.so");
        File.Copy(PackageLibrary, copy);
        try
        {
            Assert.Equal([Symbol], ElfVersionPatcher.SymbolsRequiring(copy, "libstdc++.so.6", Version));

            // Act
            ElfPatchOutcome first = ElfVersionPatcher.Patch(copy, "libstdc++.so.6", Version, [Symbol]);
            ElfPatchOutcome second = ElfVersionPatcher.Patch(copy, "libstdc++.so.6", Version, [Symbol]);

            // Assert
            Assert.Equal(ElfPatchOutcome.Patched, first);
            Assert.Equal(ElfPatchOutcome.AlreadyPatched, second);
            Assert.True(ElfVersionPatcher.IsRequirementWeak(copy, "libstdc++.so.6", Version));
            Assert.Empty(ElfVersionPatcher.SymbolsRequiring(copy, "libstdc++.so.6", Version));
            Assert.Equal(new FileInfo(PackageLibrary).Length, new FileInfo(copy).Length);
        }
        finally
        {
            File.Delete(copy);
        }
    }

    [Fact]
    public void Patch_SymbolNotProvidedByCompatLibrary_Refuses()
    {
        // Arrange
        string copy = Path.Combine(Path.GetTempPath(), $"libLibTorchSharp-{Guid.NewGuid():N}.so");
        File.Copy(PackageLibrary, copy);
        try
        {
            // Act
            InvalidDataException error = Assert.Throws<InvalidDataException>(
                () => ElfVersionPatcher.Patch(copy, "libstdc++.so.6", Version, ["some_other_symbol"]));

            // Assert
            Assert.Contains(Symbol, error.Message, StringComparison.Ordinal);
            Assert.False(ElfVersionPatcher.IsRequirementWeak(copy, "libstdc++.so.6", Version));
        }
        finally
        {
            File.Delete(copy);
        }
    }
}
