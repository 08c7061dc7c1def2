#!/usr/bin/env bash
# Deploys the hotline to one resource group in two phases (docs/deploy.md explains why):
#   1. infra/main.bicep without the Event Grid subscription,
#   2. build and publish the app with Core Tools,
#   3. infra/main.bicep again with deployIncomingCallSubscription=true (needs the hotline number).
# Re-running is safe: phone numbers and the pseudonym key are reused from the deployed app when
# not given again.
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
  --environment <name>         Environment name used in resource names (default: from
                               infra/main.parameters.json).
  --alert-email <address>      Who receives alert e-mails (default: nobody).
  --skip-publish               Do not build or publish the code (infrastructure only).
  -h, --help                   Show this help.

Environment:
  PSEUDONYM_KEY                Base64 key (>= 32 bytes) for pseudonymising phone numbers. Default:
                               the deployed app's current key, or a new random key on first deploy.
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
skip_publish=false

while (($# > 0)); do
  case "$1" in
    -h | --help)
      usage
      exit 0
      ;;
    --location | --operator-number | --hotline-number | --environment | --alert-email)
      (($# >= 2)) || die "$1 needs a value (see --help)"
      case "$1" in
        --location) location="$2" ;;
        --operator-number) operator_number="$2" ;;
        --hotline-number) hotline_number="$2" ;;
        --environment) environment_name="$2" ;;
        --alert-email) alert_email="$2" ;;
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

# ---- settings carried over from an earlier deployment --------------------------------------------
existing_app="$(az functionapp list --resource-group "$resource_group" --query "[?tags.workload=='ivr-hotline'].name | [0]" -o tsv 2>/dev/null || true)"
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
pseudonym_key="${PSEUDONYM_KEY:-}"
[[ -n "$pseudonym_key" ]] || pseudonym_key="$(current_setting PSEUDONYM_KEY)"
if [[ -z "$pseudonym_key" ]]; then
  info 'Generating a new pseudonym key (first deployment).'
  pseudonym_key="$(node -e "process.stdout.write(require('node:crypto').randomBytes(32).toString('base64'))")"
fi

[[ -n "$operator_number" ]] || die 'the operator number is required on the first deployment: pass --operator-number +<E.164>.'
[[ "$operator_number" =~ $E164 ]] || die "--operator-number '${operator_number}' is not an E.164 number such as +14255550123."
if [[ -n "$hotline_number" && ! "$hotline_number" =~ $E164 ]]; then
  die "--hotline-number '${hotline_number}' is not an E.164 number such as +14255550123."
fi
key_bytes="$(node -e "process.stdout.write(String(Buffer.from(process.argv[1], 'base64').length))" "$pseudonym_key")"
((key_bytes >= 32)) || die "PSEUDONYM_KEY decodes to ${key_bytes} bytes; it needs at least 32 (base64)."

# Secrets and numbers go to ARM through a private parameters file, not the command line.
work_dir="$(mktemp -d)"
trap 'rm -rf "$work_dir"' EXIT
chmod 700 "$work_dir"
secret_parameters="${work_dir}/parameters.json"
# shellcheck disable=SC2016 # the single-quoted text is JavaScript; $schema is a JSON key, not a shell variable
OPERATOR="$operator_number" HOTLINE="$hotline_number" KEY="$pseudonym_key" ENV_NAME="$environment_name" EMAIL="$alert_email" \
  node -e '
    const p = { operatorPhoneNumber: process.env.OPERATOR, hotlinePhoneNumber: process.env.HOTLINE, pseudonymKey: process.env.KEY };
    if (process.env.ENV_NAME) p.environmentName = process.env.ENV_NAME;
    if (process.env.EMAIL) p.alertEmail = process.env.EMAIL;
    const out = { $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#", contentVersion: "1.0.0.0",
      parameters: Object.fromEntries(Object.entries(p).map(([k, v]) => [k, { value: v }])) };
    require("node:fs").writeFileSync(process.argv[1], JSON.stringify(out), { mode: 0o600 });
  ' "$secret_parameters"

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
