// The Event Grid system topic on the ACS resource and (phase 2) the IncomingCall subscription.
// The subscription can only be created once the published app has indexed its Event Grid trigger:
// Event Grid validates an AzureFunction destination when the subscription is created.

param systemTopicName string
param acsName string
param functionAppName string

@description('Name the app registers its Event Grid trigger under (app.eventGrid(name, ...)).')
param incomingCallFunctionName string = 'incomingCall'

@description('Phase 2 only: create the IncomingCall subscription (the code must be published first).')
param deployIncomingCallSubscription bool = false

@description('E.164 number of the hotline; only calls to it are delivered.')
param hotlinePhoneNumber string

param tags object = {}

resource acs 'Microsoft.Communication/communicationServices@2025-09-01' existing = {
  name: acsName
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

// ACS topics are global; there can be only one system topic per source.
resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: systemTopicName
  location: 'global'
  tags: tags
  properties: {
    source: acs.id
    topicType: 'Microsoft.Communication.CommunicationServices'
  }
}

resource incomingCallSubscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = if (deployIncomingCallSubscription) {
  parent: systemTopic
  name: 'incoming-call'
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: '${functionApp.id}/functions/${incomingCallFunctionName}'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.Communication.IncomingCall'
      ]
      enableAdvancedFilteringOnArrays: true
      advancedFilters: [
        {
          operatorType: 'StringIn'
          key: 'data.to.PhoneNumber.Value'
          values: [
            hotlinePhoneNumber
          ]
        }
      ]
    }
    // A caller hangs up after about 30 s of ringing: one retry, and nothing older than a minute.
    retryPolicy: {
      maxDeliveryAttempts: 2
      eventTimeToLiveInMinutes: 1
    }
  }
}

output systemTopicName string = systemTopic.name
output systemTopicId string = systemTopic.id
output incomingCallSubscriptionName string = deployIncomingCallSubscription ? incomingCallSubscription.name : ''
