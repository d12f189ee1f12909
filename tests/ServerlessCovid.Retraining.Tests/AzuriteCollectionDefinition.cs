using ServerlessCovid.Testing.Storage;

namespace ServerlessCovid.Retraining.Tests;

[CollectionDefinition(TestCollections.Azurite)]
public sealed class AzuriteCollectionDefinition : ICollectionFixture<AzuriteFixture>;
