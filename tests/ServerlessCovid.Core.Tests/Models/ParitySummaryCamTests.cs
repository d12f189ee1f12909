using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Tests.Models;

public sealed class ParitySummaryCamTests
{
    [Fact]
    public void FromJson_ParityWithoutCamFields_DeserializesWithNullCamAndPasses()
    {
        // Arrange: a manifest's parity block as written before the cam output existed.
        string json = ManifestWithParity("""{ "maxAbsoluteDifference": 2e-6, "tolerance": 1e-4, "inputsCompared": 8 }""");

        // Act
        ParitySummary parity = ModelManifest.FromJson(json).Parity!;

        // Assert
        Assert.Null(parity.CamMaxAbsoluteDifference);
        Assert.Null(parity.CamTolerance);
        Assert.True(parity.Passed);
    }

    [Fact]
    public void FromJson_CamBeyondItsTolerance_RoundTripsAndFails()
    {
        // Arrange
        string json = ManifestWithParity(
            """{ "maxAbsoluteDifference": 2e-6, "tolerance": 1e-4, "inputsCompared": 8, "camMaxAbsoluteDifference": 3e-3, "camTolerance": 1e-3 }""");

        // Act
        ModelManifest manifest = ModelManifest.FromJson(json);
        ParitySummary roundTripped = ModelManifest.FromJson(manifest.ToJson()).Parity!;

        // Assert
        Assert.Equal((3e-3, 1e-3), (roundTripped.CamMaxAbsoluteDifference, roundTripped.CamTolerance));
        Assert.False(roundTripped.Passed);
    }

    private static string ManifestWithParity(string parity)
    {
        ModelManifest manifest = new()
        {
            Version = "v1",
            CreatedUtc = DateTimeOffset.UnixEpoch,
            OnnxSha256 = string.Empty,
            ClassNames = ClassNames.InOutputOrder,
            PreprocessingId = Preprocessing.RgbStretchUnit256,
            OperatingThreshold = 0.5,
        };
        string json = manifest.ToJson();
        int end = json.LastIndexOf('}');
        return json[..end] + ", \"parity\": " + parity + "}";
    }
}
