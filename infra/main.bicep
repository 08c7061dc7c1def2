// The IVR hotline: ACS Call Automation + a Flex Consumption function app (Node 22) + storage,
// AI services and monitoring. Deployed twice by scripts/deploy.sh: phase 1 without the Event Grid
// subscription, then (after the code is published) phase 2 with deployIncomingCallSubscription=true.
targetScope = 'resourceGroup'

@description('Short name of this environment, used in every resource name (e.g. "hotline", "hl-test").')
@minLength(2)
@maxLength(12)
param environmentName string

// The regions Microsoft's Flex Consumption quickstart allows (Azure-Samples/functions-quickstart-typescript-azd,
// infra/main.bicep), without its canary region eastus2euap. `az functionapp list-flexconsumption-locations` has
// the current list. ACS is global: where it keeps data at rest is acsDataLocation, chosen separately.
@description('Region for the regional resources: one that offers Flex Consumption (ACS and its system topic are global).')
@allowed([
  'australiaeast'
  'australiasoutheast'
  'brazilsouth'
  'canadacentral'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'italynorth'
  'japaneast'
  'koreacentral'
  'northcentralus'
  'northeurope'
  'norwayeast'
  'southafricanorth'
  'southcentralus'
  'southeastasia'
  'southindia'
  'spaincentral'
  'swedencentral'
  'uaenorth'
  'uksouth'
  'ukwest'
  'westcentralus'
  'westeurope'
  'westus'
  'westus2'
  'westus3'
])
param location string = resourceGroup().location

@description('Region for the AI services account, if AIServices is not offered in the main region.')
param aiLocation string = location

@description('Where ACS stores data at rest, e.g. "United States", "Europe". Cannot change after creation.')
param acsDataLocation string = 'United States'

@description('E.164 number callers dial (bought in the portal after phase 1). Required for phase 2.')
param hotlinePhoneNumber string = ''

@description('E.164 number the "operator" menu option transfers to.')
param operatorPhoneNumber string

@description('New secret values by app setting name (e.g. PSEUDONYM_KEY), written to Key Vault. Empty = keep what the vault holds. scripts/deploy.sh fills in what is missing on the first deployment.')
@secure()
param newSecrets object = {}

@description('Phase 2: create the IncomingCall Event Grid subscription (the app must be published first).')
param deployIncomingCallSubscription bool = false

@description('Table holding the call state.')
param callStateTableName string = 'callstate'

@description('E-mail address for alert notifications; empty = no action group.')
param alertEmail string = ''

@description('Outbound calls started per second at most, across all instances (OUTBOUND_CALLS_PER_SECOND).')
param outboundCallsPerSecond string = '1'

@description('Warm instances for the incomingCall trigger and for the http group the callbacks run in, each (0 = none; each instance costs money, each saves a cold start).')
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
  // 3-24 letters, digits and hyphens, globally unique.
  vault: 'kv${take(toLower(replace(environmentName, '-', '')), 8)}${token}'
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

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    location: location
    vaultName: names.vault
    newSecrets: newSecrets
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
    callStateTableName: storage.outputs.callStateTableName
    acsName: communication.outputs.acsName
    appInsightsName: monitoring.outputs.appInsightsName
    vaultName: keyVault.outputs.vaultName
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
    keyVaultReferences: keyVault.outputs.settingReferences
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
    systemTopicId: eventGrid.outputs.systemTopicId
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
output keyVaultName string = keyVault.outputs.vaultName
@description('Secret names in the vault by app setting (names, never values).')
output keyVaultSecretNames object = keyVault.outputs.secretNames
output appInsightsName string = monitoring.outputs.appInsightsName
output workbookId string = ops.outputs.workbookId
output alertRuleNames array = ops.outputs.alertRuleNames
