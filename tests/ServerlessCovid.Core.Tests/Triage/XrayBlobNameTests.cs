using ServerlessCovid.Core.Triage;

namespace ServerlessCovid.Core.Tests.Triage;

public sealed class XrayBlobNameTests
{
    [Theory]
    [InlineData("st-marys/2026/11/a.png", "st-marys", "2026/11/a.png")]
    [InlineData("h1/x ray (1).jpeg", "h1", "x ray (1).jpeg")]
    public void Parse_ValidName_SplitsHospitalAndName(string blobName, string hospital, string name)
    {
        // Act
        XrayBlobName parsed = XrayBlobName.Parse(blobName);

        // Assert
        Assert.Equal(new XrayBlobName(hospital, name), parsed);
    }

    [Theory]
    [InlineData("a.png", TriageErrorCodes.InvalidHospital)]
    [InlineData("St_Marys/a.png", TriageErrorCodes.InvalidHospital)]
    [InlineData("../a.png", TriageErrorCodes.InvalidHospital)]
    [InlineData("-h/a.png", TriageErrorCodes.InvalidHospital)]
    [InlineData("h1/", TriageErrorCodes.InvalidBlobName)]
    [InlineData("h1/../h2/a.png", TriageErrorCodes.InvalidBlobName)]
    [InlineData("h1/./a.png", TriageErrorCodes.InvalidBlobName)]
    [InlineData("h1//a.png", TriageErrorCodes.InvalidBlobName)]
    [InlineData("h1/a\\..\\b.png", TriageErrorCodes.InvalidBlobName)]
    [InlineData("h1/a\u0000.png", TriageErrorCodes.InvalidBlobName)]
    public void Parse_PathTrickOrBadHospital_ThrowsWithStableCode(string blobName, string code)
    {
        // Act
        TriageRequestException ex = Assert.Throws<TriageRequestException>(() => XrayBlobName.Parse(blobName));

        // Assert
        Assert.Equal(code, ex.Code);
    }
}
