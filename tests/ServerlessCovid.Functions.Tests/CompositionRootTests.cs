using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using ServerlessCovid.Functions.Tests.Infrastructure;
using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Functions.Tests;

[Collection(TestCollections.Azurite)]
public sealed class CompositionRootTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task AddServerlessCovid_EveryFunctionClass_ResolvesItsConstructorDependencies()
    {
        // Arrange: every class with a [Function] method, including ones other areas add.
        Type[] functionClasses = [.. typeof(ServerlessCovidFunctionsServiceCollectionExtensions).Assembly.GetTypes()
            .Where(t => t.GetMethods().Any(m => m.GetCustomAttribute<FunctionAttribute>() is not null))];
        await using FunctionsTestApp app = FunctionsTestApp.Create(azurite);

        // Act
        object[] instances = [.. functionClasses.Select(t => Microsoft.Extensions.DependencyInjection.ActivatorUtilities.CreateInstance(app.Provider, t))];

        // Assert
        Assert.Contains(functionClasses, t => t.Name == "TriageUploadedXray");
        Assert.Equal(functionClasses.Length, instances.Length);
        Assert.All(functionClasses, t => Assert.False(t.IsAbstract && t.IsSealed, $"{t.Name} must be an instance class."));
    }
}
