import { Tags } from 'types.bicep'

// Event Grid source of the blob trigger: a system topic on the storage account, and (once the app's blob extension
// key is known) a subscription that posts BlobCreated events of the x-ray container to the blob extension's webhook
// of TriageUploadedXrayEvent. The key cannot be read at deployment time: the Functions host creates the
// blobs_extension system key itself on its first start with the real image, and Container Apps-hosted Functions
// expose no listKeys action to a template. So scripts/deploy-blob-events.sh reads it after the first deployment
// (az containerapp function keys show) and deploys again with blobsExtensionKey set; until then the polling trigger
// (TriageUploadedXray) and the reconciliation timer score uploads. Event Grid validates the webhook when the
// subscription is created, so the app must already run the ServerlessCovid image at that point.

@description('Azure region of the system topic (the storage account\'s).')
param location string

@description('Tags applied to every resource.')
param tags Tags

@description('Name of the system topic.')
param systemTopicName string

@description('Name of the storage account whose blob events are published.')
param storageAccountName string

@description('Container whose BlobCreated events go to the app.')
param containerName string

@description('Name of the Event Grid-sourced blob trigger function.')
param functionName string

@description('Whether to create the subscription: true once the webhook URL (with its key) is known.')
param subscribe bool

@description('The blob extension webhook of that function, with the app\'s blobs_extension key (https://<app>/runtime/webhooks/blobs?functionName=Host.Functions.<function>&code=<key>); empty: no subscription yet (polling serves).')
@secure()
param webhookUrl string

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: systemTopicName
  location: location
  tags: tags
  properties: {
    source: storage.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

resource subscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = if (subscribe) {
  parent: systemTopic
  name: 'xrays-to-${toLower(functionName)}'
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        endpointUrl: webhookUrl
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: [
        'Microsoft.Storage.BlobCreated'
      ]
      subjectBeginsWith: '/blobServices/default/containers/${containerName}/blobs/'
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}

output systemTopicName string = systemTopic.name
