using System.Security.Cryptography;
using ServerlessCovid.Core.Inference;

namespace ServerlessCovid.Core.Tests.Inference;

public sealed class BatchDefaultsTests
{
    [Theory]
    [InlineData("CPU", InferenceOptions.CpuDefaultMaxBatchSize)]
    [InlineData("CUDA", InferenceOptions.CudaDefaultMaxBatchSize)]
    public void MaxBatchSizeFor_NotSet_SmallOnCpuLargeOnCuda(string provider, int expected)
    {
        // Arrange
        InferenceOptions options = new();

        // Act
        int batch = options.MaxBatchSizeFor(provider);

        // Assert
        Assert.Equal(expected, batch);
        Assert.True(InferenceOptions.CpuDefaultMaxBatchSize < InferenceOptions.CudaDefaultMaxBatchSize);
    }

    [Theory]
    [InlineData("CPU")]
    [InlineData("CUDA")]
    public void MaxBatchSizeFor_Set_SameOnEveryProvider(string provider)
    {
        // Arrange
        InferenceOptions options = new() { MaxBatchSize = 7 };

        // Act
        int batch = options.MaxBatchSizeFor(provider);

        // Assert
        Assert.Equal(7, batch);
    }

    [Fact]
    public void Activate_CpuWithoutMaxBatchSize_BatchLimitIsTheCpuDefault()
    {
        // Arrange
        using OnnxXrayClassifier classifier = TestModels.Classifier(maxBatchSize: null);

        // Act
        classifier.Activate(TestModels.Package("v1"));
        LoadedModel model = classifier.Acquire();

        // Assert
        try
        {
            Assert.Equal(InferenceOptions.CpuDefaultMaxBatchSize, model.BatchLimit);
        }
        finally
        {
            model.Release();
        }
    }

    [Fact]
    public async Task ScoreAsync_ContentSha256Given_PredictionCarriesIt()
    {
        // Arrange
        using OnnxXrayClassifier classifier = TestModels.Classifier();
        classifier.Activate(TestModels.Package("v1"));
        byte[] image = TestModels.SolidPng(255, 0, 0);
        string known = Convert.ToHexStringLower(SHA256.HashData(image));

        // Act
        TriagePrediction prediction = await ((IXrayClassifier)classifier).ScoreAsync(image, known);

        // Assert
        Assert.Same(known, prediction.Image.ContentSha256);
    }
}
