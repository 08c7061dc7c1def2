// The app's secrets: an RBAC-mode Key Vault, one secret per app setting that must not sit in plain sight.
// The app reads them as @Microsoft.KeyVault(SecretUri=...) settings, resolved with its user-assigned identity.

param location string
param vaultName string

@description('New values by app setting name, e.g. { PSEUDONYM_KEY: "<base64>" }. A setting left out keeps the secret the vault holds: scripts/deploy.sh passes only what is missing or being rotated.')
@secure()
param newSecrets object = {}

param tags object = {}

// One line per secret: the app setting it backs and the secret's name in the vault.
var secretNames = {
  PSEUDONYM_KEY: 'pseudonym-key'
  CALLBACK_SIGNING_KEY: 'callback-signing-key'
}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: vaultName
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    // Azure RBAC instead of access policies: the app's identity gets Key Vault Secrets User on this vault.
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

// The vault's URI from its name (what properties.vaultUri returns), so the lambda below needs no runtime value.
var vaultUri = 'https://${vault.name}${environment().suffixes.keyvaultDns}/'

// ARM writes secret values through the control plane; nothing here needs a data-plane role for the deployer.
resource secrets 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = [
  for secret in items(secretNames): if (!empty(newSecrets[?secret.key] ?? '')) {
    parent: vault
    name: secret.value
    properties: {
      value: newSecrets[secret.key]
      contentType: 'base64, at least 32 random bytes'
    }
  }
]

output vaultName string = vault.name
output vaultId string = vault.id
@description('App setting name -> Key Vault reference (no version: the app follows the current version). No secret values.')
output settingReferences object = toObject(
  items(secretNames),
  secret => secret.key,
  secret => '@Microsoft.KeyVault(SecretUri=${vaultUri}secrets/${secret.value}/)'
)
@description('Secret names by app setting (names, never values); scripts/deploy.sh keeps the same list, checked by its test.')
output secretNames object = secretNames
