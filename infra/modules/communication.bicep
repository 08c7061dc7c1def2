// Azure Communication Services (Call Automation) and the multi-service AI account it uses for
// text-to-speech and speech recognition. ACS reaches the AI account with its system-assigned
// identity, which needs Cognitive Services User on the account.

@description('Region of the AI services account (ACS itself is global).')
param aiLocation string

param acsName string

@description('Where ACS stores data at rest, e.g. "United States" or "Europe". Cannot change after creation.')
param acsDataLocation string

@description('Name and custom subdomain of the AI services account; globally unique and effectively permanent.')
param aiServicesName string

param tags object = {}

var cognitiveServicesUserRoleId = 'a97b65f3-24c7-4388-baec-2e87135dc908'

resource acs 'Microsoft.Communication/communicationServices@2025-09-01' = {
  name: acsName
  location: 'global'
  tags: tags
  identity: { type: 'SystemAssigned' }
  properties: {
    dataLocation: acsDataLocation
    // No access keys: the app uses Call Automation with its managed identity (a custom role, rbac.bicep).
    disableLocalAuth: true
  }
}

// Only multi-service resources work with Call Automation, and Entra ID auth needs the custom subdomain.
resource aiServices 'Microsoft.CognitiveServices/accounts@2025-06-01' = {
  name: aiServicesName
  location: aiLocation
  tags: tags
  kind: 'AIServices'
  sku: { name: 'S0' }
  properties: {
    customSubDomainName: aiServicesName
    publicNetworkAccess: 'Enabled'
    // ACS authenticates with its managed identity and the app never calls the account itself.
    disableLocalAuth: true
  }
}

resource acsCanUseAi 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(aiServices.id, acs.id, cognitiveServicesUserRoleId)
  scope: aiServices
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', cognitiveServicesUserRoleId)
    principalId: acs.identity.principalId
    principalType: 'ServicePrincipal'
    description: 'ACS Call Automation uses the AI account for prompts and recognition'
  }
}

output acsId string = acs.id
output acsName string = acs.name
output acsEndpoint string = 'https://${acs.properties.hostName}'
@description('Audience of the JWTs ACS puts on callbacks.')
output acsImmutableResourceId string = acs.properties.immutableResourceId
output aiServicesName string = aiServices.name
output cognitiveServicesEndpoint string = aiServices.properties.endpoint
