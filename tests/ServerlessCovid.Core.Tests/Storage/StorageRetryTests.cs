using Azure;
using ServerlessCovid.Core.Storage;

namespace ServerlessCovid.Core.Tests.Storage;

public sealed class StorageRetryTests
{
    [Fact]
    public async Task RunAsync_FailsTwiceThenSucceeds_ReturnsTheValueAfterThreeCalls()
    {
        // Arrange
        int calls = 0;
        List<int> retried = [];

        // Act
        string value = await StorageRetry.RunAsync(
            _ => ++calls < 3 ? throw new RequestFailedException(503, "server busy") : Task.FromResult("written"),
            attempts: 5,
            TimeSpan.FromMilliseconds(1),
            TimeProvider.System,
            (attempt, _, _) => retried.Add(attempt),
            CancellationToken.None);

        // Assert
        Assert.Equal("written", value);
        Assert.Equal(3, calls);
        Assert.Equal([1, 2], retried);
    }

    [Fact]
    public async Task RunAsync_FailsEveryAttempt_ThrowsTheLastErrorAfterExactlyThatManyCalls()
    {
        // Arrange
        int calls = 0;

        // Act
        RequestFailedException ex = await Assert.ThrowsAsync<RequestFailedException>(() => StorageRetry.RunAsync<int>(
            _ => throw new RequestFailedException(500, $"attempt {++calls}"),
            attempts: 4,
            TimeSpan.FromMilliseconds(1),
            TimeProvider.System,
            null,
            CancellationToken.None));

        // Assert
        Assert.Equal(4, calls);
        Assert.Equal("attempt 4", ex.Message);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(5, 16)]
    [InlineData(6, 30)]
    [InlineData(40, 30)]
    public void DelayFor_Attempt_DoublesUpToTheCap(int attempt, int expectedSeconds)
    {
        // Act
        TimeSpan delay = StorageRetry.DelayFor(attempt, TimeSpan.FromSeconds(1));

        // Assert
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), delay);
    }
}
