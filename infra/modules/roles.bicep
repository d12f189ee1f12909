import { RoleGrant } from 'types.bicep'

// Data-plane roles for the app identity on the storage account. Names are guid(scope, principal, role) with the
// identity's resource id standing for the principal (known before deployment, unlike its object id), so a
// redeployment finds the same assignment instead of failing on a duplicate.

@description('Name of the storage account the roles are granted on.')
param storageAccountName string

@description('Name of the user-assigned identity that receives the roles.')
param identityName string

@description('Roles to grant on the storage account.')
param roles RoleGrant[]

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: identityName
}

resource storageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in roles: {
    name: guid(storage.id, identity.id, subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.roleDefinitionId))
    scope: storage
    properties: {
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.roleDefinitionId)
      description: 'ServerlessCovid Functions app: ${role.name}'
    }
  }
]
