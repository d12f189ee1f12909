import { Tags } from 'types.bicep'

// The storage account behind everything: x-ray drops, labelled images, model packages, retraining checkpoints, the
// result tables, and the Functions host's own state (blob-trigger receipts, host keys, Durable Functions task hub).
// Shared-key access is off, so every caller authenticates with Microsoft Entra ID; the Durable Task extension and
// the host create their own containers, queues and tables at run time through the app identity (see roles.bicep).

@description('Azure region of the storage account.')
param location string

@description('Tags applied to every resource.')
param tags Tags

@description('Globally unique storage account name (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Redundancy of the account. ZRS survives a zone outage; LRS is the cheapest.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param skuName string = 'Standard_LRS'

@description('Blob containers the application reads and writes (names match the Storage__* app settings).')
param containerNames string[]

@description('Tables the application writes (names match the Storage__* app settings).')
param tableNames string[]

@description('Queues created ahead of the host, so alerts can watch them from the first deployment.')
param queueNames string[]

@description('Container whose raw uploads the lifecycle rule ages out.')
param rawUploadsContainer string

@description('Days after upload when a raw x-ray moves to the cool tier (it is rarely read again once scored).')
@minValue(1)
param rawUploadCoolAfterDays int

@description('Days after upload when a raw x-ray is deleted; its result row and any labelled copy are kept.')
@minValue(1)
param rawUploadDeleteAfterDays int

@description('Days deleted blobs and containers stay recoverable.')
@minValue(1)
@maxValue(365)
param softDeleteDays int = 7

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // Hospitals upload over the internet; restrict with network rules or private endpoints per site policy.
    publicNetworkAccess: 'Enabled'
    encryption: {
      keySource: 'Microsoft.Storage'
      requireInfrastructureEncryption: true
      services: {
        blob: {
          enabled: true
          keyType: 'Account'
        }
        file: {
          enabled: true
          keyType: 'Account'
        }
        queue: {
          enabled: true
          keyType: 'Account'
        }
        table: {
          enabled: true
          keyType: 'Account'
        }
      }
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: storage
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: softDeleteDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: softDeleteDays
    }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = [
  for containerName in containerNames: {
    parent: blobService
    name: containerName
    properties: {
      publicAccess: 'None'
    }
  }
]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-01-01' = {
  parent: storage
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-01-01' = [
  for queueName in queueNames: {
    parent: queueService
    name: queueName
  }
]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2025-01-01' = {
  parent: storage
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-01-01' = [
  for tableName in tableNames: {
    parent: tableService
    name: tableName
  }
]

// Raw uploads are scored once and then only matter for audits: cool them early, delete them after the retention
// period. Only the raw-upload prefix is touched; labelled images, models and checkpoints are kept.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2025-01-01' = {
  parent: storage
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'age-out-raw-xray-uploads'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                '${rawUploadsContainer}/'
              ]
            }
            actions: {
              baseBlob: {
                tierToCool: {
                  daysAfterModificationGreaterThan: rawUploadCoolAfterDays
                }
                delete: {
                  daysAfterModificationGreaterThan: rawUploadDeleteAfterDays
                }
              }
            }
          }
        }
      ]
    }
  }
  dependsOn: [
    containers
  ]
}

output id string = storage.id
output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output queueEndpoint string = storage.properties.primaryEndpoints.queue
output tableEndpoint string = storage.properties.primaryEndpoints.table
