using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Core.Tests;

[CollectionDefinition(TestCollections.Azurite)]
public sealed class AzuriteCollectionDefinition : ICollectionFixture<AzuriteFixture>;
