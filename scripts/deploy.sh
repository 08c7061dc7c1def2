#!/usr/bin/env bash
# Deploys the hotline to one resource group in two phases (docs/deploy.md explains why):
#   1. infra/main.bicep without the Event Grid subscription,
#   2. build and publish the app with Core Tools,
#   3. infra/main.bicep again with deployIncomingCallSubscription=true (needs the hotline number).
# Re-running is safe: the environment is the one already in the resource group unless --environment
# names another, its phone numbers are reused from its app when not given again, and its secrets stay
# in its Key Vault (only missing ones are generated).
set -euo pipefail

readonly INCOMING_CALL_FUNCTION='incomingCall'
readonly E164='^\+[1-9][0-9]{6,14}$'

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly repo_root

usage() {
  cat <<'EOF'
Usage: scripts/deploy.sh <resource-group> [options]
       npm run deploy -- <resource-group> [options]

Options:
  --location <region>          Create the resource group there if it does not exist yet
                               (otherwise its region is used).
  --operator-number <+E.164>   Number the "operator" option transfers to. Required on the first
                               deployment; reused from the deployed app afterwards.
  --hotline-number <+E.164>    The number callers dial (bought in the portal after phase 1).
                               Without it, the script stops after publishing: buy the number, then
                               run it again with --hotline-number to create the subscription.
  --environment <name>         Environment name used in resource names. Default: the one
                               environment already deployed in the resource group, or on a
                               first deployment the one in infra/main.parameters.json.
  --alert-email <address>      Who receives alert e-mails (default: nobody).
  --always-ready <n>           Warm instances for incomingCall and for the callbacks each
                               (default: infra/main.parameters.json, 0; each one is billed
                               around the clock, see docs/deploy.md).
  --skip-publish               Do not build or publish the code (infrastructure only).
  -h, --help                   Show this help.

Environment:
  CALLBACK_SIGNING_KEY         Set only to rotate: a new base64 key (>= 32 bytes, not PSEUDONYM_KEY) signing callback URLs
  PSEUDONYM_KEY                Set only to rotate: a new base64 key (>= 32 bytes) for pseudonymising
                               phone numbers, written to the environment's Key Vault. Unset, the
                               vault's key is kept, or a random one is generated on the first deployment.
EOF
}

log() { printf '\n==> %s\n' "$*" >&2; }
info() { printf '    %s\n' "$*" >&2; }
die() {
  printf '\nerror: %s\n' "$*" >&2
  exit 1
}

require_command() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' is not installed. $2"
}

# ---- arguments -----------------------------------------------------------------------------------
resource_group=''
location=''
operator_number=''
hotline_number=''
environment_name=''
alert_email=''
always_ready=''
skip_publish=false

while (($# > 0)); do
  case "$1" in
    -h | --help)
      usage
      exit 0
      ;;
    --location | --operator-number | --hotline-number | --environment | --alert-email | --always-ready)
      (($# >= 2)) || die "$1 needs a value (see --help)"
      case "$1" in
        --location) location="$2" ;;
        --operator-number) operator_number="$2" ;;
        --hotline-number) hotline_number="$2" ;;
        --environment) environment_name="$2" ;;
        --alert-email) alert_email="$2" ;;
        --always-ready) always_ready="$2" ;;
      esac
      shift 2
      ;;
    --skip-publish)
      skip_publish=true
      shift
      ;;
    -*) die "unknown option $1 (see --help)" ;;
    *)
      [[ -z "$resource_group" ]] || die "unexpected argument $1 (the resource group is already '$resource_group')"
      resource_group="$1"
      shift
      ;;
  esac
done

[[ -n "$resource_group" ]] || {
  usage >&2
  die 'the resource group is required'
}
[[ -z "$always_ready" || "$always_ready" =~ ^[0-9]{1,2}$ ]] || die "--always-ready '${always_ready}' must be a whole number of instances (0-99)."


# ---- prerequisites -------------------------------------------------------------------------------
require_command az 'Install the Azure CLI: https://aka.ms/installazurecli'
require_command node 'Install Node.js 22.'
require_command npm 'Install Node.js 22.'
if [[ "$skip_publish" == false ]]; then
  require_command func 'Install Azure Functions Core Tools v4: https://aka.ms/func-core-tools (or pass --skip-publish).'
fi

az account show --query id -o tsv >/dev/null 2>&1 || die 'not signed in to Azure: run "az login" (and "az account set -s <subscription>") first.'
subscription_name="$(az account show --query name -o tsv)"
log "Subscription: ${subscription_name}"

# ---- resource group ------------------------------------------------------------------------------
if [[ "$(az group exists --name "$resource_group")" == 'true' ]]; then
  info "Resource group ${resource_group} exists."
else
  [[ -n "$location" ]] || die "resource group ${resource_group} does not exist: pass --location <region> to create it."
  log "Creating resource group ${resource_group} in ${location}"
  az group create --name "$resource_group" --location "$location" --output none
fi

# ---- which environment ---------------------------------------------------------------------------
# Every resource carries tags workload=ivr-hotline and environment=<name>; the function app stands for its
# environment. A rerun without --environment must not create a second environment next to the first.
deployed_environments="$(az functionapp list --resource-group "$resource_group" \
  --query "[?tags.workload=='ivr-hotline'].tags.environment" -o tsv 2>/dev/null | sort -u || true)"
if [[ -z "$environment_name" ]]; then
  case "$(grep -c . <<<"$deployed_environments")" in
    0) environment_name="$(node -p 'require(process.argv[1]).parameters.environmentName.value' "${repo_root}/infra/main.parameters.json")" ;;
    1) environment_name="$deployed_environments" ;;
    *) die "resource group ${resource_group} holds several environments ($(tr '\n' ' ' <<<"$deployed_environments")): pass --environment <name>." ;;
  esac
fi
[[ "$environment_name" =~ ^[A-Za-z0-9-]{2,12}$ ]] || die "--environment '${environment_name}' must be 2-12 letters, digits or hyphens."
info "Environment: ${environment_name}"

existing_app="$(az functionapp list --resource-group "$resource_group" \
  --query "[?tags.workload=='ivr-hotline' && tags.environment=='${environment_name}'].name | [0]" -o tsv 2>/dev/null || true)"
current_setting() {
  [[ -n "$existing_app" ]] || return 0
  az functionapp config appsettings list --resource-group "$resource_group" --name "$existing_app" \
    --query "[?name=='$1'].value | [0]" -o tsv 2>/dev/null || true
}
if [[ -n "$existing_app" ]]; then
  info "Found the deployed app ${existing_app}; unspecified settings are reused from it."
fi

[[ -n "$operator_number" ]] || operator_number="$(current_setting OPERATOR_PHONE_NUMBER)"
[[ -n "$hotline_number" ]] || hotline_number="$(current_setting HOTLINE_PHONE_NUMBER)"

[[ -n "$operator_number" ]] || die 'the operator number is required on the first deployment: pass --operator-number +<E.164>.'
[[ "$operator_number" =~ $E164 ]] || die "--operator-number '${operator_number}' is not an E.164 number such as +14255550123."
if [[ -n "$hotline_number" && ! "$hotline_number" =~ $E164 ]]; then
  die "--hotline-number '${hotline_number}' is not an E.164 number such as +14255550123."
fi

# ---- secrets -------------------------------------------------------------------------------------
# App setting -> secret name in the vault; the same list as secretNames in infra/modules/keyvault.bicep.
readonly SECRETS=(
  'PSEUDONYM_KEY:pseudonym-key'
  'CALLBACK_SIGNING_KEY:callback-signing-key'
)
existing_vault="$(az keyvault list --resource-group "$resource_group" \
  --query "[?tags.workload=='ivr-hotline' && tags.environment=='${environment_name}'].name | [0]" -o tsv 2>/dev/null || true)"
# A control-plane read: it needs no data-plane role and returns no value.
vault_has_secret() {
  [[ -n "$existing_vault" ]] || return 1
  az resource show --resource-group "$resource_group" --namespace Microsoft.KeyVault --parent "vaults/${existing_vault}" \
    --resource-type secrets --name "$1" --query id -o tsv >/dev/null 2>&1
}
random_key() { node -e "process.stdout.write(require('node:crypto').randomBytes(32).toString('base64'))"; }
check_key() {
  local bytes
  bytes="$(KEY="$2" node -e "process.stdout.write(String(Buffer.from(process.env.KEY, 'base64').length))")"
  ((bytes >= 32)) || die "$1 decodes to ${bytes} bytes; it needs at least 32 (base64)."
}

# Adds "setting": "value" to a JSON object. Values travel in the environment, never on a command line (ps shows those).
with_secret() {
  CURRENT="$1" SETTING="$2" VALUE="$3" node -e '
    const o = JSON.parse(process.env.CURRENT); o[process.env.SETTING] = process.env.VALUE; process.stdout.write(JSON.stringify(o));'
}

# Only new values go to ARM: rotations asked for in the environment, secrets the vault lacks. A key still
# stored as a plain app setting (deployments before Key Vault) moves into the vault unchanged, so rows
# written with it stay readable. (A JSON object rather than an associative array: macOS ships bash 3.2.)
secrets_json='{}'
for entry in "${SECRETS[@]}"; do
  setting="${entry%%:*}" secret="${entry#*:}"
  if [[ -n "${!setting:-}" ]]; then
    check_key "$setting" "${!setting}"
    info "Rotating ${setting} (Key Vault secret ${secret})."
    secrets_json="$(with_secret "$secrets_json" "$setting" "${!setting}")"
  elif vault_has_secret "$secret"; then
    info "Keeping ${setting} from Key Vault ${existing_vault}."
  else
    carried="$(current_setting "$setting")"
    if [[ -n "$carried" && "$carried" != @Microsoft.KeyVault* ]]; then
      check_key "$setting" "$carried"
      info "Moving ${setting} from the app's settings into Key Vault."
      secrets_json="$(with_secret "$secrets_json" "$setting" "$carried")"
    else
      info "Generating ${setting} (first deployment of ${environment_name})."
      secrets_json="$(with_secret "$secrets_json" "$setting" "$(random_key)")"
    fi
  fi
done

# Secrets and numbers go to ARM through a private parameters file, not the command line.
work_dir="$(mktemp -d)"
trap 'rm -rf "$work_dir"' EXIT
chmod 700 "$work_dir"
secret_parameters="${work_dir}/parameters.json"
# shellcheck disable=SC2016 # the single-quoted text is JavaScript; $schema is a JSON key, not a shell variable
OPERATOR="$operator_number" HOTLINE="$hotline_number" SECRETS_JSON="$secrets_json" ENV_NAME="$environment_name" EMAIL="$alert_email" \
  ALWAYS_READY="$always_ready" \
  node -e '
    const p = { environmentName: process.env.ENV_NAME, operatorPhoneNumber: process.env.OPERATOR, hotlinePhoneNumber: process.env.HOTLINE,
      newSecrets: JSON.parse(process.env.SECRETS_JSON) };
    if (process.env.EMAIL) p.alertEmail = process.env.EMAIL;
    if (process.env.ALWAYS_READY) p.alwaysReadyInstances = Number(process.env.ALWAYS_READY);
    const out = { $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#", contentVersion: "1.0.0.0",
      parameters: Object.fromEntries(Object.entries(p).map(([k, v]) => [k, { value: v }])) };
    require("node:fs").writeFileSync(process.argv[1], JSON.stringify(out), { mode: 0o600 });
  ' "$secret_parameters"
unset secrets_json carried

deploy_infra() {
  local phase="$1" with_subscription="$2"
  local name
  name="hotline-${phase}-$(date -u +%Y%m%d%H%M%S)"
  log "Deploying infra/main.bicep (${phase}, deployIncomingCallSubscription=${with_subscription}) as ${name}"
  az deployment group create \
    --resource-group "$resource_group" \
    --name "$name" \
    --template-file "${repo_root}/infra/main.bicep" \
    --parameters "@${repo_root}/infra/main.parameters.json" \
    --parameters "@${secret_parameters}" \
    --parameters deployIncomingCallSubscription="$with_subscription" \
    --output none
  last_deployment="$name"
}

output() {
  az deployment group show --resource-group "$resource_group" --name "$last_deployment" \
    --query "properties.outputs.$1.value" -o tsv
}

# ---- phase 1 -------------------------------------------------------------------------------------
deploy_infra phase1 false
function_app="$(output functionAppName)"
info "Function app: ${function_app}"

# ---- build and publish ---------------------------------------------------------------------------
if [[ "$skip_publish" == false ]]; then
  log 'Checking types and building the app (npm run build: the bundles, every dependency inside)'
  (cd "$repo_root" && npm run typecheck && npm run build)

  # Publish from a staging folder holding only what runs: the bundles, host.json and package.json. The bundles carry
  # their dependencies, so there is no node_modules to install or upload. What to stage is what .funcignore lets
  # Core Tools publish (its `!` lines; tools/build/bundle.ts PUBLISHED_FILES and a test keep the two the same).
  stage="${work_dir}/package"
  while IFS= read -r file; do
    [[ -f "${repo_root}/${file}" ]] || die "npm run build did not produce ${file}."
    mkdir -p "${stage}/$(dirname "$file")"
    cp "${repo_root}/${file}" "${stage}/${file}"
  done < <(sed -n 's/^!//p' "${repo_root}/.funcignore")
  cp "${repo_root}/.funcignore" "$stage/"

  log "Publishing to ${function_app} (func azure functionapp publish --no-build)"
  (cd "$stage" && func azure functionapp publish "$function_app" --javascript --no-build)
fi

# ---- phase 2 -------------------------------------------------------------------------------------
if [[ -z "$hotline_number" ]]; then
  acs_name="$(output acsName)"
  log 'Stopping before phase 2: no hotline number yet.'
  info "Buy a number for ${acs_name} in the portal (Communication Services > Phone numbers > Get,"
  info 'with inbound and outbound calling), then run:'
  info "  npm run deploy -- ${resource_group} --hotline-number +<E.164>"
  exit 0
fi

if [[ "$skip_publish" == false ]]; then
  # Event Grid validates an AzureFunction destination when the subscription is created, so wait
  # until the host has indexed the trigger.
  log "Waiting for ${function_app} to list the ${INCOMING_CALL_FUNCTION} function"
  for attempt in $(seq 1 20); do
    if az functionapp function show --resource-group "$resource_group" --name "$function_app" \
      --function-name "$INCOMING_CALL_FUNCTION" --output none 2>/dev/null; then
      break
    fi
    ((attempt < 20)) || die "${INCOMING_CALL_FUNCTION} did not appear after publishing; check the publish output and the app's logs, then re-run."
    sleep 10
  done
fi

deploy_infra phase2 true

# ---- summary -------------------------------------------------------------------------------------
log 'Deployed.'
info "Function app:        $(output functionAppName) (https://$(output functionAppHostName))"
info "ACS endpoint:        $(output acsEndpoint)"
info "ACS immutable id:    $(output acsImmutableResourceId)  (the callbacks' JWT audience)"
info "AI endpoint:         $(output cognitiveServicesEndpoint)"
info "Event Grid topic:    $(output systemTopicName) -> subscription $(output incomingCallSubscriptionName)"
info "Application Insights: $(output appInsightsName) (workbook: IVR hotline)"
info "Hotline number:      ${hotline_number}"
info 'Call the hotline number to check; docs/deploy.md lists what to look at.'
