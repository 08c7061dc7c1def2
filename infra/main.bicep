// The IVR hotline: ACS Call Automation + a Flex Consumption function app (Node 22) + storage,
// AI services and monitoring. Deployed twice by scripts/deploy.sh: phase 1 without the Event Grid
// subscription, then (after the code is published) phase 2 with deployIncomingCallSubscription=true.
targetScope = 'resourceGroup'

@description('Short name of this environment, used in every resource name (e.g. "hotline", "hl-test").')
@minLength(2)
@maxLength(12)
param environmentName string

@description('Region for the regional resources (ACS and its system topic are global).')
param location string = resourceGroup().location

@description('Region for the AI services account, if AIServices is not offered in the main region.')
param aiLocation string = location

@description('Where ACS stores data at rest, e.g. "United States", "Europe". Cannot change after creation.')
param acsDataLocation string = 'United States'

@description('E.164 number callers dial (bought in the portal after phase 1). Required for phase 2.')
param hotlinePhoneNumber string = ''

@description('E.164 number the "operator" menu option transfers to.')
param operatorPhoneNumber string

@description('Key for pseudonymising phone numbers in logs and keys: base64 of at least 32 random bytes. Keep it stable.')
@secure()
param pseudonymKey string

@description('Phase 2: create the IncomingCall Event Grid subscription (the app must be published first).')
param deployIncomingCallSubscription bool = false

@description('Table holding the call state.')
param callStateTableName string = 'callstate'

@description('E-mail address for alert notifications; empty = no action group.')
param alertEmail string = ''

@description('Outbound calls started per second at most, across all instances (OUTBOUND_CALLS_PER_SECOND).')
param outboundCallsPerSecond string = '1'

@description('Warm instances for the incomingCall trigger (0 = none; each costs money, each saves cold-start ring time).')
@minValue(0)
param alwaysReadyInstances int = 0

param tags object = {}

var token = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var prefix = '${toLower(environmentName)}-${token}'
var names = {
  identity: 'id-${prefix}'
  plan: 'plan-${prefix}'
  functionApp: 'func-${prefix}'
  storage: take('st${toLower(replace(environmentName, '-', ''))}${token}', 24)
  workspace: 'log-${prefix}'
  appInsights: 'appi-${prefix}'
  acs: 'acs-${prefix}'
  aiServices: 'cog-${prefix}'
  systemTopic: 'egst-${prefix}'
}
var allTags = union({ environment: environmentName, workload: 'ivr-hotline' }, tags)
var deploymentContainerName = 'app-package'

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    workspaceName: names.workspace
    appInsightsName: names.appInsights
    tags: allTags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    storageAccountName: names.storage
    deploymentContainerName: deploymentContainerName
    callStateTableName: callStateTableName
    tags: allTags
  }
}

module communication 'modules/communication.bicep' = {
  name: 'communication'
  params: {
    aiLocation: aiLocation
    acsName: names.acs
    acsDataLocation: acsDataLocation
    aiServicesName: names.aiServices
    tags: allTags
  }
}

// Created before the app so that its roles are in place when the app first starts.
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: names.identity
  location: location
  tags: allTags
}

module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  params: {
    principalId: identity.properties.principalId
    storageAccountName: storage.outputs.storageAccountName
    acsName: communication.outputs.acsName
  }
}

module outbound 'modules/outbound.bicep' = {
  name: 'outbound'
  params: {
    storageAccountName: storage.outputs.storageAccountName
    principalId: identity.properties.principalId
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  dependsOn: [
    rbac
    outbound
  ]
  params: {
    location: location
    planName: names.plan
    functionAppName: names.functionApp
    identityId: identity.id
    identityClientId: identity.properties.clientId
    storageAccountName: storage.outputs.storageAccountName
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    appInsightsConnectionString: monitoring.outputs.appInsightsConnectionString
    acsEndpoint: communication.outputs.acsEndpoint
    acsImmutableResourceId: communication.outputs.acsImmutableResourceId
    cognitiveServicesEndpoint: communication.outputs.cognitiveServicesEndpoint
    tablesEndpoint: storage.outputs.tablesEndpoint
    callStateTableName: storage.outputs.callStateTableName
    queuesEndpoint: outbound.outputs.queuesEndpoint
    outboundQueueName: outbound.outputs.outboundQueueName
    outboundCallsPerSecond: outboundCallsPerSecond
    operatorPhoneNumber: operatorPhoneNumber
    hotlinePhoneNumber: hotlinePhoneNumber
    pseudonymKey: pseudonymKey
    alwaysReadyInstances: alwaysReadyInstances
    tags: allTags
  }
}

module eventGrid 'modules/eventgrid.bicep' = {
  name: 'eventgrid'
  params: {
    systemTopicName: names.systemTopic
    acsName: communication.outputs.acsName
    functionAppName: functionApp.outputs.functionAppName
    deployIncomingCallSubscription: deployIncomingCallSubscription
    hotlinePhoneNumber: hotlinePhoneNumber
    tags: allTags
  }
}

module ops 'modules/ops.bicep' = {
  name: 'ops'
  params: {
    location: location
    namePrefix: prefix
    appInsightsId: monitoring.outputs.appInsightsId
    alertEmail: alertEmail
    tags: allTags
  }
}

output resourceGroupName string = resourceGroup().name
output functionAppName string = functionApp.outputs.functionAppName
output functionAppHostName string = functionApp.outputs.defaultHostName
output callbackBaseUrl string = 'https://${functionApp.outputs.defaultHostName}'
output identityClientId string = identity.properties.clientId
output identityPrincipalId string = identity.properties.principalId
output storageAccountName string = storage.outputs.storageAccountName
output tablesEndpoint string = storage.outputs.tablesEndpoint
output callStateTableName string = storage.outputs.callStateTableName
output outboundQueueName string = outbound.outputs.outboundQueueName
output acsName string = communication.outputs.acsName
output acsEndpoint string = communication.outputs.acsEndpoint
output acsImmutableResourceId string = communication.outputs.acsImmutableResourceId
output aiServicesName string = communication.outputs.aiServicesName
output cognitiveServicesEndpoint string = communication.outputs.cognitiveServicesEndpoint
output systemTopicName string = eventGrid.outputs.systemTopicName
output incomingCallSubscriptionName string = eventGrid.outputs.incomingCallSubscriptionName
output appInsightsName string = monitoring.outputs.appInsightsName
output workbookId string = ops.outputs.workbookId
output alertRuleNames array = ops.outputs.alertRuleNames
