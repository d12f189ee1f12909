import { StorageNames, Tags } from 'types.bicep'

// The Functions app, hosted natively on Azure Container Apps: one Microsoft.App/containerApps resource with
// kind 'functionapp'. This follows "Migrate Azure Functions on Container Apps to the native model"
// (https://learn.microsoft.com/azure/container-apps/migrate-functions), which recommends it for new deployments over
// the older Microsoft.Web/sites resource with managedEnvironmentId (a proxy site plus a hidden container app).
//
// Scaling: with kind 'functionapp' the platform reads the app's triggers at startup and generates the KEDA rules
// itself (queue length from host.json batchSize, HTTP concurrency, ...); user-supplied rules are rejected unless
// template.scale.allowScalingRuleOverride is set, which needs API 2026-03-02-preview and is not yet in the Bicep
// type set (https://learn.microsoft.com/azure/container-apps/functions-scale-rule-override,
// https://learn.microsoft.com/azure/container-apps/functions-keda-mappings). So this template sets the replica
// bounds, cooldown and polling interval, and leaves the rules to the platform.

@description('Azure region of the app.')
param location string

@description('Tags applied to every resource.')
param tags Tags

@description('Name of the container app (2-32 lowercase letters, digits and hyphens).')
@minLength(2)
@maxLength(32)
param name string

@description('Resource id of the Container Apps environment.')
param environmentId string

@description('Workload profile the app runs on (Consumption, or the serverless GPU profile).')
param workloadProfileName string

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of that identity (for the storage, Application Insights and Azure SDK credentials).')
param identityClientId string

@description('Login server of the registry the image comes from.')
param registryServer string

@description('Full image reference, e.g. <registry>.azurecr.io/serverlesscovid-functions:<tag>.')
param image string

@description('Port the container listens on.')
param targetPort int

@description('vCPUs per replica; serverless GPU replicas get the whole GPU, CPU and memory are sized with it; Consumption allows at most 4.')
param cpu string

@description('Memory per replica, e.g. 56Gi.')
param memory string

@description('Replicas kept warm. 0 scales to zero (billing stops); see docs/deploy.md for the blob-trigger caveat.')
@minValue(0)
param minReplicas int

@description('Upper bound on replicas (on a GPU profile each holds one GPU and counts against the serverless GPU quota).')
@minValue(1)
param maxReplicas int

@description('ONNX Runtime execution provider (Inference__ExecutionProvider): cuda on a GPU profile, cpu on Consumption.')
@allowed([
  'cpu'
  'cuda'
])
param executionProvider string

@description('Blob service endpoint of the storage account.')
param blobServiceUri string

@description('Queue service endpoint of the storage account.')
param queueServiceUri string

@description('Table service endpoint of the storage account.')
param tableServiceUri string

@description('Name of the Application Insights component the host sends telemetry to.')
param applicationInsightsName string

@description('Container and table names the app uses.')
param storageNames StorageNames

@description('NCRONTAB schedule of the retraining timer (UTC).')
param retrainingSchedule string

@description('NCRONTAB schedule of the reconciliation timer that triages blobs the blob trigger missed and pending rows.')
param reconcileSchedule string

@description('Application (client) id of the Microsoft Entra app registration callers sign in to; empty: no built-in authentication, API keys only.')
param entraClientId string = ''

@description('True once the Event Grid subscription delivers uploads to TriageUploadedXrayEvent: the polling trigger is then switched off so a blob is not handled by both.')
param pollingBlobTriggerDisabled bool = false

@description('Tenant of that app registration.')
param entraTenantId string = tenant().tenantId

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource app 'Microsoft.App/containerApps@2026-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    environmentId: environmentId
    workloadProfileName: workloadProfileName
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        targetPort: targetPort
        transport: 'auto'
        allowInsecure: false
      }
      registries: [
        {
          server: registryServer
          identity: identityId
        }
      ]
    }
    template: {
      containers: [
        {
          name: 'functions'
          image: image
          resources: {
            cpu: json(cpu)
            memory: memory
          }
          // A literal list (not built with concat) so tests can read every setting from the compiled template.
          env: [
            {
              name: 'FUNCTIONS_WORKER_RUNTIME'
              value: 'dotnet-isolated'
            }
            // The host, the Durable Task extension and the Core StorageAccount clients all read this identity-based
            // form; credential=managedidentity with clientId selects the user-assigned identity: no key anywhere.
            {
              name: 'AzureWebJobsStorage__blobServiceUri'
              value: blobServiceUri
            }
            {
              name: 'AzureWebJobsStorage__queueServiceUri'
              value: queueServiceUri
            }
            {
              name: 'AzureWebJobsStorage__tableServiceUri'
              value: tableServiceUri
            }
            {
              name: 'AzureWebJobsStorage__credential'
              value: 'managedidentity'
            }
            {
              name: 'AzureWebJobsStorage__clientId'
              value: identityClientId
            }
            // Host keys live in blob storage (azure-webjobs-secrets): shared by all replicas, kept across restarts.
            {
              name: 'AzureWebJobsSecretStorageType'
              value: 'blob'
            }
            // DefaultAzureCredential anywhere in the app picks the user-assigned identity.
            {
              name: 'AZURE_CLIENT_ID'
              value: identityClientId
            }
            // Carries no key (so not a secret), but stays out of outputs; with local auth off on the component,
            // ingestion also needs the identity named in the authentication string.
            {
              name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
              value: applicationInsights.properties.ConnectionString
            }
            {
              name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
              value: 'ClientId=${identityClientId};Authorization=AAD'
            }
            {
              name: 'Storage__Connection'
              value: 'AzureWebJobsStorage'
            }
            {
              name: 'Storage__XraysContainer'
              value: storageNames.xrays
            }
            {
              name: 'Storage__LabelledContainer'
              value: storageNames.labelled
            }
            {
              name: 'Storage__ModelsContainer'
              value: storageNames.models
            }
            {
              name: 'Storage__RetrainingContainer'
              value: storageNames.retraining
            }
            {
              name: 'Storage__ResultsTable'
              value: storageNames.results
            }
            {
              name: 'Storage__RetrainingRunsTable'
              value: storageNames.retrainingRuns
            }
            {
              name: 'Retraining__Schedule'
              value: retrainingSchedule
            }
            // The ReconcileXrays timer binds %Triage:ReconcileSchedule%: the host refuses to index it without this.
            {
              name: 'Triage__ReconcileSchedule'
              value: reconcileSchedule
            }
            {
              name: 'Triage__ReconcileMaxBlobsPerRun'
              value: '500'
            }
            // cuda on a GPU profile (fail loudly, never fall back to CPU); cpu on the Consumption profile.
            {
              name: 'Inference__ExecutionProvider'
              value: executionProvider
            }
            {
              name: 'Inference__CudaDeviceId'
              value: '0'
            }
            // One blob trigger per source (docs/deploy.md): polling until the Event Grid subscription exists, then
            // Event Grid alone. The host reads AzureWebJobs_<function>_Disabled (Linux names cannot hold dots).
            {
              name: 'AzureWebJobs_TriageUploadedXray_Disabled'
              value: pollingBlobTriggerDisabled ? 'true' : 'false'
            }
            {
              name: 'AzureWebJobs_TriageUploadedXrayEvent_Disabled'
              value: 'false'
            }
            // Auto: Azure Monitor, because APPLICATIONINSIGHTS_CONNECTION_STRING is set above.
            {
              name: 'Telemetry__Exporter'
              value: 'Auto'
            }
            // Believe X-MS-CLIENT-PRINCIPAL only when built-in authentication (below) sits in front and sets it.
            {
              name: 'Access__TrustClientPrincipal'
              value: empty(entraClientId) ? 'false' : 'true'
            }
          ]
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        // Replicas are slow to start (multi-GB image pull, CUDA init on GPU): keep one a while after the last event.
        cooldownPeriod: 600
        pollingInterval: 15
      }
    }
  }
}

// Container Apps built-in authentication with Microsoft Entra ID: validates bearer tokens for the app registration
// and passes the signed-in principal (with its app roles) to the app in X-MS-CLIENT-PRINCIPAL. Unauthenticated
// requests still reach the app, which refuses them itself, so API-key callers and /api/health keep working.
resource auth 'Microsoft.App/containerApps/authConfigs@2026-01-01' = if (!empty(entraClientId)) {
  parent: app
  name: 'current'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      unauthenticatedClientAction: 'AllowAnonymous'
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: entraClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${entraTenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            'api://${entraClientId}'
            entraClientId
          ]
        }
      }
    }
  }
}

output name string = app.name
output fqdn string = app.properties.configuration.ingress.fqdn
