import { Tags } from 'types.bicep'

// The operator's view: an Azure Monitor workbook over the ServerlessCovid metrics in Application Insights
// (throughput, rejects by code, latency p50/p95, stage means, batch sizes, served model, retraining outcomes and
// the reconciliation sweep). Its queries live in infra/workbooks/operations.workbook.json; docs/deploy.md describes
// each panel.

@description('Azure region of the workbook.')
param location string

@description('Tags applied to every resource.')
param tags Tags

@description('Name of the Application Insights component the workbook queries.')
param applicationInsightsName string

@description('Display name shown in the portal.')
param displayName string = 'ServerlessCovid operations'

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(applicationInsights.id, 'serverlesscovid-operations-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: displayName
    category: 'workbook'
    sourceId: applicationInsights.id
    serializedData: loadTextContent('../workbooks/operations.workbook.json')
    version: 'Notebook/1.0'
  }
}

output id string = workbook.id
