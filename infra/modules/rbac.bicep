// Least-privilege roles for the function app's user-assigned identity, each scoped to the one resource it needs.

@description('Principal (object) id of the function app identity.')
param principalId string

param storageAccountName string
param callStateTableName string
param acsName string
param appInsightsName string
param vaultName string

// Built-in role definition ids (the same in every tenant).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
}

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2024-01-01' existing = {
  parent: storage
  name: 'default'
}

resource callStateTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2024-01-01' existing = {
  parent: tableService
  name: callStateTableName
}

resource acs 'Microsoft.Communication/communicationServices@2025-09-01' existing = {
  name: acsName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: vaultName
}

// The Functions host keeps its leases and keys in blobs (AzureWebJobsStorage) and Flex reads the
// deployment package from a container: both need Blob Data Owner with identity-based storage.
resource blobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'Functions host storage and the Flex deployment package'
  }
}

// The app touches one table. The host keeps timer schedules and leases in blobs; the one table it would write,
// its diagnostic events for the portal (AZFD0003 when it cannot), is not worth account-wide table access.
resource tableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(callStateTable.id, principalId, roles.storageTableDataContributor)
  scope: callStateTable
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'Call state table'
  }
}

// Application Insights refuses keys (DisableLocalAuth): host and worker send with this identity.
resource telemetryPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, principalId, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'Telemetry to Application Insights with Entra ID'
  }
}

// Reads the secrets behind the app's @Microsoft.KeyVault(...) settings; cannot list, write or delete them.
resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'Key Vault references in the app settings'
  }
}

// Call Automation with Entra ID. Microsoft.Communication publishes no data actions (Azure RBAC "permissions for
// Web and Mobile" lists control-plane actions only), and the ACS docs grant Contributor, which can also list and
// regenerate the keys and delete the resource. This role keeps only read and write on this one resource.
resource callAutomationRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(resourceGroup().id, acs.id, 'hotline-call-automation')
  properties: {
    roleName: 'Hotline Call Automation (${acs.name})'
    description: 'Call Automation with Entra ID on one Communication Services resource: no keys, no delete.'
    type: 'CustomRole'
    permissions: [
      {
        actions: [
          'Microsoft.Communication/CommunicationServices/Read'
          'Microsoft.Communication/CommunicationServices/Write'
        ]
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
    // Custom roles are assignable at resource group level at the finest; the assignment below is on ACS alone.
    assignableScopes: [
      resourceGroup().id
    ]
  }
}

resource callAutomation 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(acs.id, principalId, callAutomationRole.name)
  scope: acs
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', callAutomationRole.name)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'Call Automation (answer, play, recognize, transfer) with managed identity'
  }
}
