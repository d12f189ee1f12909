import { Tags } from 'types.bicep'

// Private registry for the Functions image. The admin user stays off: the app pulls with its managed identity
// (AcrPull) and people push with their own Entra sign-in (az acr login).

@description('Azure region of the registry.')
param location string

@description('Tags applied to every resource.')
param tags Tags

@description('Globally unique registry name (5-50 letters and digits).')
@minLength(5)
@maxLength(50)
param name string

@description('Name of the user-assigned identity that pulls images.')
param pullIdentityName string

var acrPullRoleId = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '7f951dda-4ed3-4680-a7ca-43fe172d538d')

resource puller 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: pullIdentityName
}

resource registry 'Microsoft.ContainerRegistry/registries@2025-04-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Basic'
  }
  properties: {
    adminUserEnabled: false
    anonymousPullEnabled: false
    publicNetworkAccess: 'Enabled'
  }
}

resource acrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, puller.id, acrPullRoleId)
  scope: registry
  properties: {
    principalId: puller.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: acrPullRoleId
    description: 'ServerlessCovid Functions app: pull its container image'
  }
}

output name string = registry.name
output loginServer string = registry.properties.loginServer
