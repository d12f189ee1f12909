import { Tags } from 'types.bicep'

// The user-assigned identity the Functions app runs as: it pulls the image and reaches storage and Application
// Insights without any key or connection secret.

@description('Azure region of the identity.')
param location string

@description('Tags applied to every resource.')
param tags Tags

@description('Name of the user-assigned managed identity.')
param name string

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
