// Outbound calls: the queue their requests wait in, its poison queue, and the app's role on exactly those two queues.

param storageAccountName string

@description('Queue of outbound call attempts (the app setting OUTBOUND_QUEUE_NAME); the poison queue is this name with -poison.')
param outboundQueueName string = 'outbound-calls'

@description('Principal (object) id of the function app identity.')
param principalId string

// Built-in role definition id (the same in every tenant): send, read and delete messages, nothing else in the account.
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2024-01-01' = {
  parent: storage
  name: 'default'
}

// The Functions runtime moves a message here after maxDequeueCount (host.json) failed tries; the app ends its request.
resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2024-01-01' = [
  for name in [outboundQueueName, '${outboundQueueName}-poison']: {
    parent: queueService
    name: name
  }
]

// Scoped to each queue: the POST sends, the queue trigger reads and deletes, the runtime writes the poison queue.
resource queueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (name, index) in [outboundQueueName, '${outboundQueueName}-poison']: {
    name: guid(queues[index].id, principalId, storageQueueDataContributor)
    scope: queues[index]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataContributor)
      principalId: principalId
      principalType: 'ServicePrincipal'
      description: 'Outbound calls queue ${name}'
    }
  }
]

// Without the trailing slash, like TABLES_ENDPOINT.
output queuesEndpoint string = 'https://${storage.name}.queue.${environment().suffixes.storage}'
output outboundQueueName string = queues[0].name
