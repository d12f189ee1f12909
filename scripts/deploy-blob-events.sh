#!/usr/bin/env bash
# Post-deployment step of docs/deploy.md: switches the blob trigger from polling to Event Grid. Run it after the app
# runs the ServerlessCovid image (step 3 there). The Functions host creates its blobs_extension system key on first
# start, and Container Apps-hosted Functions expose no listKeys to a template, so this script reads the key with the
# Azure CLI and deploys main.bicep again with blobsExtensionKey: the template then creates the Event Grid subscription
# (Event Grid validates the webhook against the running app) and turns the polling trigger off.
#
# Usage: scripts/deploy-blob-events.sh RESOURCE_GROUP DEPLOYMENT_NAME [extra --parameters for main.bicep ...]
#   e.g. scripts/deploy-blob-events.sh rg-serverlesscovid-dev main environmentName=dev containerImage=$IMAGE
# The extra parameters must repeat those of the last deployment (a redeployment with fewer would change the app).
# Unverified: written without Azure access.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/env.sh

if [[ $# -lt 2 ]]; then
  echo "usage: $0 RESOURCE_GROUP DEPLOYMENT_NAME [name=value ...]" >&2
  exit 2
fi
RG=$1 DEPLOYMENT=$2
shift 2

APP=$(az deployment group show -g "$RG" -n "$DEPLOYMENT" --query properties.outputs.FUNCTIONS_APP_NAME.value -o tsv)

step "Reading the blobs_extension system key of $APP"
KEY=""
for attempt in 1 2 3 4 5 6; do
  KEY=$(az containerapp function keys show --resource-group "$RG" --name "$APP" \
          --key-type systemKey --key-name blobs_extension --query value -o tsv 2>/dev/null || true)
  [[ -n "$KEY" ]] && break
  echo "not there yet (attempt $attempt): the host creates it on its first start with the real image; waiting 30 s" >&2
  sleep 30
done
if [[ -z "$KEY" ]]; then
  echo "no blobs_extension key on $APP: is the app running the ServerlessCovid image (docs/deploy.md step 3)?" >&2
  exit 1
fi

step "Redeploying with the Event Grid subscription (polling trigger off)"
az deployment group create --resource-group "$RG" --name "$DEPLOYMENT" \
  --template-file infra/main.bicep --parameters infra/main.parameters.json \
  --parameters "$@" blobsExtensionKey="$KEY" \
  --query properties.outputs.BLOB_TRIGGER_SOURCE.value -o tsv
