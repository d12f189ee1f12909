using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Functions.Tests;

[CollectionDefinition(TestCollections.Azurite)]
public sealed class AzuriteCollectionDefinition : ICollectionFixture<AzuriteFixture>;
