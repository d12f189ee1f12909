using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Cli.Tests;

[CollectionDefinition(TestCollections.Azurite)]
public sealed class AzuriteCollectionDefinition : ICollectionFixture<AzuriteFixture>;
