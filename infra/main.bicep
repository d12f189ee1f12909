// ServerlessCovid on Azure: the Functions app on Azure Container Apps (CPU or a serverless GPU), its storage (x-rays,
// labelled images, models, retraining, results), a user-assigned identity with data-plane roles only, a private
// registry, and Log Analytics + Application Insights. No account key, SAS or key-bearing connection string is read
// or emitted anywhere in this template (tests/ServerlessCovid.Infra.Tests checks the compiled ARM JSON).
// Research tool, not a diagnostic device.

targetScope = 'resourceGroup'

@description('Short environment name (dev, test, prod); part of every resource name and the azd-env-name tag.')
@minLength(1)
@maxLength(16)
param environmentName string

@description('Region of every resource; for a GPU compute profile it must offer Container Apps serverless GPUs and have GPU quota.')
param location string = resourceGroup().location

@description('Where the app runs: cpu (Consumption profile, ONNX Runtime on CPU, no GPU quota), gpu-t4 (serverless T4, 16 GB) or gpu-a100 (serverless A100, 80 GB). See docs/deploy.md for the cost comparison.')
@allowed([
  'cpu'
  'gpu-t4'
  'gpu-a100'
])
param computeProfile string = 'gpu-t4'

@description('Functions image (<registry>.azurecr.io/serverlesscovid-functions:<tag>). Empty: a public placeholder, so the first deployment succeeds before anything is pushed.')
param containerImage string = ''

@description('Replicas kept warm; 0 lets the app scale to zero (see docs/deploy.md about blob drops).')
@minValue(0)
@maxValue(10)
param minReplicas int = 1

@description('Upper bound on replicas; on a GPU compute profile each uses one serverless GPU of the regional quota.')
@minValue(1)
@maxValue(10)
param maxReplicas int = 2

@description('NCRONTAB schedule of the retraining timer (UTC): weekly, Sunday 03:00 by default.')
param retrainingSchedule string = '0 0 3 * * 0'

@description('NCRONTAB schedule of the reconciliation timer (blobs without a result row, pending rows): every 5 minutes by default.')
param reconcileSchedule string = '0 */5 * * * *'

@description('Client id of the Microsoft Entra app registration (app roles ServerlessCovid.Admin and Hospital.<hospital>) for Container Apps built-in authentication; empty: API keys only.')
param entraClientId string = ''

@description('Storage redundancy.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param storageSku string = 'Standard_LRS'

@description('Days after which raw x-ray uploads move to the cool tier.')
@minValue(1)
param rawUploadCoolAfterDays int = 30

@description('Days after which raw x-ray uploads are deleted (results and labelled copies are kept).')
@minValue(1)
param rawUploadDeleteAfterDays int = 365

@description('The Functions app\'s blobs_extension system key. Empty (first deployment): uploads are found by the polling blob trigger. Set (scripts/deploy-blob-events.sh reads it once the app runs): an Event Grid subscription delivers them to TriageUploadedXrayEvent and polling is switched off. See docs/deploy.md.')
@secure()
param blobsExtensionKey string = ''

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
  application: 'serverlesscovid'
  purpose: 'research-only-not-a-diagnostic-device'
}

// Everything that differs between compute profiles, in one table so each choice reads as a whole (and the tests can
// follow it). GPU replicas own one GPU and are sized with it; a Consumption replica can have at most 4 vCPU and
// 8 GiB. The GPU profiles demand CUDA so a broken image fails loudly instead of silently serving from the CPU; the CPU
// profile has no GPU, so it asks for the CPU provider outright rather than probing for CUDA at every start.
var consumptionProfile = {
  name: 'Consumption'
  workloadProfileType: 'Consumption'
}
var gpuProfileName = 'gpu'
var computeProfiles = {
  cpu: {
    workloadProfiles: [
      consumptionProfile
    ]
    workloadProfileName: consumptionProfile.name
    executionProvider: 'cpu'
    cpu: '4'
    memory: '8Gi'
  }
  'gpu-t4': {
    workloadProfiles: [
      consumptionProfile
      {
        name: gpuProfileName
        workloadProfileType: 'Consumption-GPU-NC8as-T4'
      }
    ]
    workloadProfileName: gpuProfileName
    executionProvider: 'cuda'
    cpu: '8'
    memory: '56Gi'
  }
  'gpu-a100': {
    workloadProfiles: [
      consumptionProfile
      {
        name: gpuProfileName
        workloadProfileType: 'Consumption-GPU-NC24-A100'
      }
    ]
    workloadProfileName: gpuProfileName
    executionProvider: 'cuda'
    cpu: '24'
    memory: '220Gi'
  }
}
var compute = computeProfiles[computeProfile]

// The placeholder listens on port 80; the ServerlessCovid image runs as non-root and listens on 8080 (Dockerfile).
var placeholderImage = 'mcr.microsoft.com/k8se/quickstart:latest'
var image = empty(containerImage) ? placeholderImage : containerImage
var targetPort = empty(containerImage) ? 80 : 8080

var names = {
  identity: '${abbrs.managedIdentityUserAssignedIdentities}${resourceToken}'
  logAnalytics: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
  applicationInsights: '${abbrs.insightsComponents}${resourceToken}'
  storage: '${abbrs.storageStorageAccounts}${resourceToken}'
  registry: '${abbrs.containerRegistryRegistries}${resourceToken}'
  environment: '${abbrs.appManagedEnvironments}${resourceToken}'
  functionsApp: '${abbrs.appContainerApps}func-${resourceToken}'
  blobEventsTopic: '${abbrs.eventGridSystemTopics}${resourceToken}'
}

// The Event Grid-sourced blob trigger (src/ServerlessCovid.Functions/Triage/TriageUploadedXrayEvent.cs).
var eventGridBlobFunction = 'TriageUploadedXrayEvent'
var blobEventsSubscribed = !empty(blobsExtensionKey)

// Names shared by storage.bicep and the app settings, matching src/ServerlessCovid.Core/Storage/StorageOptions.cs.
var storageNames = {
  xrays: 'xrays'
  labelled: 'labelled'
  models: 'models'
  retraining: 'retraining'
  results: 'TriageResults'
  retrainingRuns: 'RetrainingRuns'
}

// Built-in roles (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles). Blob Data Owner
// rather than Contributor: the Durable Task extension manages blob leases and containers of its task hub.
var storageRoles = [
  {
    name: 'Storage Blob Data Owner'
    roleDefinitionId: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  }
  {
    name: 'Storage Queue Data Contributor'
    roleDefinitionId: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  }
  {
    name: 'Storage Table Data Contributor'
    roleDefinitionId: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  }
]

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    location: location
    tags: tags
    name: names.identity
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    tags: tags
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    publisherIdentityName: names.identity
  }
  dependsOn: [
    identity
  ]
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    tags: tags
    name: names.storage
    skuName: storageSku
    containerNames: [
      storageNames.xrays
      storageNames.labelled
      storageNames.models
      storageNames.retraining
    ]
    tableNames: [
      storageNames.results
      storageNames.retrainingRuns
    ]
    // The blob trigger's poison queue, created up front so an alert can watch it before the first failure.
    queueNames: [
      'webjobs-blobtrigger-poison'
    ]
    rawUploadsContainer: storageNames.xrays
    rawUploadCoolAfterDays: rawUploadCoolAfterDays
    rawUploadDeleteAfterDays: rawUploadDeleteAfterDays
  }
}

module storageRoleAssignments 'modules/roles.bicep' = {
  name: 'storage-roles'
  params: {
    storageAccountName: names.storage
    identityName: names.identity
    roles: storageRoles
  }
  dependsOn: [
    identity
    storage
  ]
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  params: {
    location: location
    tags: tags
    name: names.registry
    pullIdentityName: names.identity
  }
  dependsOn: [
    identity
  ]
}

module environment 'modules/container-apps-environment.bicep' = {
  name: 'container-apps-environment'
  params: {
    location: location
    tags: tags
    name: names.environment
    workloadProfiles: compute.workloadProfiles
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
  }
}

module functionsApp 'modules/functions-app.bicep' = {
  name: 'functions-app'
  params: {
    location: location
    tags: union(tags, { 'azd-service-name': 'functions' })
    name: names.functionsApp
    environmentId: environment.outputs.id
    workloadProfileName: compute.workloadProfileName
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    registryServer: registry.outputs.loginServer
    image: image
    targetPort: targetPort
    cpu: compute.cpu
    memory: compute.memory
    executionProvider: compute.executionProvider
    minReplicas: minReplicas
    maxReplicas: maxReplicas
    blobServiceUri: storage.outputs.blobEndpoint
    queueServiceUri: storage.outputs.queueEndpoint
    tableServiceUri: storage.outputs.tableEndpoint
    applicationInsightsName: names.applicationInsights
    storageNames: storageNames
    retrainingSchedule: retrainingSchedule
    reconcileSchedule: reconcileSchedule
    entraClientId: entraClientId
    pollingBlobTriggerDisabled: blobEventsSubscribed
  }
  dependsOn: [
    storageRoleAssignments
  ]
}

module blobEvents 'modules/blob-events.bicep' = {
  name: 'blob-events'
  params: {
    location: location
    tags: tags
    systemTopicName: names.blobEventsTopic
    storageAccountName: names.storage
    containerName: storageNames.xrays
    functionName: eventGridBlobFunction
    subscribe: blobEventsSubscribed
    webhookUrl: blobEventsSubscribed
      ? 'https://${functionsApp.outputs.fqdn}/runtime/webhooks/blobs?functionName=Host.Functions.${eventGridBlobFunction}&code=${blobsExtensionKey}'
      : ''
  }
}

module workbook 'modules/workbook.bicep' = {
  name: 'operations-workbook'
  params: {
    location: location
    tags: tags
    applicationInsightsName: names.applicationInsights
  }
  dependsOn: [
    monitoring
  ]
}

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = resourceGroup().name
output FUNCTIONS_APP_NAME string = functionsApp.outputs.name
output FUNCTIONS_ENDPOINT string = 'https://${functionsApp.outputs.fqdn}'
output STORAGE_ACCOUNT_NAME string = storage.outputs.name
output STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output AZURE_CONTAINER_REGISTRY_NAME string = registry.outputs.name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_APPS_ENVIRONMENT_NAME string = environment.outputs.name
output MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output COMPUTE_PROFILE string = computeProfile
output BLOB_TRIGGER_SOURCE string = blobEventsSubscribed ? 'EventGrid' : 'Polling'
output EVENT_GRID_SYSTEM_TOPIC_NAME string = blobEvents.outputs.systemTopicName
