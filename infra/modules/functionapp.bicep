// The Flex Consumption function app (Node 22), its plan and its app settings. The identity is
// created by main.bicep first so its roles exist before the app starts.

param location string
param planName string
param functionAppName string

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of that identity (for AzureWebJobsStorage and DefaultAzureCredential).')
param identityClientId string

param storageAccountName string

@description('URL of the blob container that receives the deployment package.')
param deploymentContainerUrl string

param appInsightsConnectionString string

@description('Settings the app reads (src/config.ts), already resolved by main.bicep.')
param acsEndpoint string
param acsImmutableResourceId string
param cognitiveServicesEndpoint string
param tablesEndpoint string
param callStateTableName string
@description('Queue service endpoint for outbound calls; set only once the hotline has a number to call from.')
param queuesEndpoint string
param outboundQueueName string
param outboundCallsPerSecond string = '1'
param operatorPhoneNumber string
param hotlinePhoneNumber string

@description('App setting name -> @Microsoft.KeyVault(...) reference, from the Key Vault module (no secret values).')
param keyVaultReferences object

@description('Instances kept warm for the IncomingCall trigger and for the http group (callbacks); 0 = pure consumption (cold starts add ring time and delay the first prompt).')
@minValue(0)
param alwaysReadyInstances int = 0

@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

param tags object = {}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: functionAppName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references resolve with the app's user-assigned identity (Key Vault Secrets User on the vault).
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        // Flex scales per function group: incomingCall is its own group, every HTTP trigger (the callbacks) shares
        // 'http'. Warming only the first would answer fast and then run the first callbacks on a cold instance.
        alwaysReady: alwaysReadyInstances > 0
          ? [
              { name: 'function:incomingCall', instanceCount: alwaysReadyInstances }
              { name: 'http', instanceCount: alwaysReadyInstances }
            ]
          : []
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

// A child resource rather than siteConfig.appSettings, so CALLBACK_BASE_URL can use the app's own
// host name. Flex takes no FUNCTIONS_WORKER_RUNTIME / FUNCTIONS_EXTENSION_VERSION / WEBSITE_* settings.
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: {
    // Functions runtime: identity-based host storage and telemetry.
    AzureWebJobsStorage__accountName: storageAccountName
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
    // Application Insights takes no keys: host and worker authenticate as the user-assigned identity.
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    // Lets DefaultAzureCredential in the app pick the user-assigned identity.
    AZURE_CLIENT_ID: identityClientId
    // Node flags for the worker (the Node developer guide's setting; `npm run bench` runs its hosts with the same ones).
    // Semi-spaces of 8 MB (a 16 MB young generation instead of V8's 32) kept 15 to 25 MB less resident at 1,000
    // callers for no measurable CPU (docs/performance.md, Memory). Flex Consumption's documentation does not list it among the
    // settings it rejects; its effect there is to be confirmed on the instance memory metric after a deploy.
    languageWorkers__node__arguments: '--max-semi-space-size=8'
    // The app's settings (src/config.ts); managed identity everywhere, so no connection strings.
    ACS_ENDPOINT: acsEndpoint
    CALLBACK_BASE_URL: 'https://${functionApp.properties.defaultHostName}'
    COGNITIVE_SERVICES_ENDPOINT: cognitiveServicesEndpoint
    TABLES_ENDPOINT: tablesEndpoint
    CALL_STATE_TABLE_NAME: callStateTableName
    // Outbound calls need a caller id: without a number the app only answers (an empty setting counts as unset).
    QUEUES_ENDPOINT: empty(hotlinePhoneNumber) ? '' : queuesEndpoint
    OUTBOUND_QUEUE_NAME: outboundQueueName
    OUTBOUND_CALLS_PER_SECOND: outboundCallsPerSecond
    OPERATOR_PHONE_NUMBER: operatorPhoneNumber
    HOTLINE_PHONE_NUMBER: hotlinePhoneNumber
    // Secrets: Key Vault references, never values.
    PSEUDONYM_KEY: keyVaultReferences.PSEUDONYM_KEY
    CALLBACK_SIGNING_KEY: keyVaultReferences.CALLBACK_SIGNING_KEY
    CALLBACK_AUTH: 'jwt'
    ACS_CALLBACK_AUDIENCE: acsImmutableResourceId
  }
}

// Publishing goes through Entra ID (func/az with a signed-in user); the site's basic-auth credentials are off.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

output functionAppId string = functionApp.id
output functionAppName string = functionApp.name
output defaultHostName string = functionApp.properties.defaultHostName
