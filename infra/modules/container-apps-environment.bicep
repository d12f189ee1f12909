import { Tags, WorkloadProfile } from 'types.bicep'

// Container Apps environment with the default Consumption profile, plus one serverless GPU profile on a GPU compute
// profile (main.bicep decides which).
// Profile type names follow "Workload profiles in Azure Container Apps"
// (https://learn.microsoft.com/azure/container-apps/workload-profiles-overview): serverless GPUs are the
// Consumption-GPU-NC8as-T4 and Consumption-GPU-NC24-A100 types, offered in a few regions only, and a GPU profile can
// only be added when the environment is created. Logs go to Azure Monitor through a diagnostic setting, so no
// workspace shared key is ever read into the template (the log-analytics destination would need listKeys()).

@description('Azure region of the environment (must offer serverless GPUs if a GPU profile is asked for).')
param location string

@description('Tags applied to every resource.')
param tags Tags

@description('Name of the Container Apps environment.')
param name string

@description('Workload profiles: Consumption, and at most one serverless GPU profile.')
param workloadProfiles WorkloadProfile[]

@description('Resource id of the Log Analytics workspace that receives the environment logs.')
param logAnalyticsWorkspaceId string

resource environment 'Microsoft.App/managedEnvironments@2026-01-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'azure-monitor'
    }
    zoneRedundant: false
    workloadProfiles: workloadProfiles
  }
}

resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'logs-to-workspace'
  scope: environment
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

output id string = environment.id
output name string = environment.name
output defaultDomain string = environment.properties.defaultDomain
