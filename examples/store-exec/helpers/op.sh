#!/usr/bin/env bash
# partnerd-store-exec helper for 1Password, through the 1Password CLI (`op`, v2) and `jq`.
#
#   stores:
#     onepassword:
#       use: partnerd-store-exec
#       options:
#         command: [./node_modules/partnerd-store-exec/helpers/op.sh]
#         env: { OP_VAULT: Partner Center }
#
# An EXAMPLE: read it, adapt it, try it against a scratch vault. Each secret is an "API Credential" item
# titled `partnerd-<name>` (PARTNERD_OP_PREFIX changes that) whose `credential` field holds the token
# and whose notes record partnerd's metadata and `managed-by: partnerd`. An existing item without that
# line is only overwritten when the profile sets `takeover: true`.
#
# Sign-in, unattended: a service account. Keep its token out of the config: let systemd hand it over
# (LoadCredential=op-token:/etc/partnerd/op-token) and this script reads $CREDENTIALS_DIRECTORY/op-token.
#
# Protocol: see pass.sh. Exit non-zero on ANY failure: printing nothing with exit 0 means "not found".
set -euo pipefail

operation="${1:-}"
vault="${OP_VAULT:?set OP_VAULT (options.env) to the vault partnerd writes to}"
prefix="${PARTNERD_OP_PREFIX:-partnerd-}"
if [[ -z "${OP_SERVICE_ACCOUNT_TOKEN:-}" && -r "${CREDENTIALS_DIRECTORY:-/nonexistent}/op-token" ]]; then
  OP_SERVICE_ACCOUNT_TOKEN="$(<"$CREDENTIALS_DIRECTORY/op-token")"
  export OP_SERVICE_ACCOUNT_TOKEN
fi

declare -A request=()
while IFS= read -r line && [[ -n "$line" ]]; do
  request["${line%%=*}"]="${line#*=}"
done

name="${request[name]:-}"
if [[ ! "$name" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]]; then
  echo "op.sh: unsupported secret name (letters, digits, '.', '_', '-')" >&2
  exit 2
fi
title="$prefix$name"
errors="$(mktemp)"
trap 'rm -f "$errors"' EXIT

# The item as JSON on stdout; nothing (exit 0) when it does not exist; exit 1 on any other failure.
item_json() {
  if op item get "$title" --vault "$vault" --format json 2>"$errors"; then return 0; fi
  if grep -q "isn't an item" "$errors"; then return 0; fi
  tail -n 1 "$errors" >&2
  return 1
}

case "$operation" in
  get)
    item="$(item_json)"
    [[ -n "$item" ]] || exit 0
    # op read prints the field; its trailing newline is dropped by $(...).
    value="$(op read "op://$vault/$title/credential")"
    printf 'value=%s\n' "$value"
    printf '%s' "$item" | jq -r '"updated-at=\(.updated_at // empty)"'
    ;;
  store)
    item="$(item_json)"
    if [[ -n "$item" && "${request[takeover]:-}" != "true" ]] &&
      ! printf '%s' "$item" |
      jq -e '.fields[]? | select(.id == "notesPlain") | .value | test("managed-by: partnerd")' >/dev/null; then
      echo "op.sh: item \"$title\" was not created by partnerd; set takeover: true on the profile's refreshToken to overwrite it" >&2
      exit 1
    fi
    notes="managed-by: partnerd
profile: ${request[profile]:-}
fingerprint: ${request[fingerprint]:-}
refreshed-at: ${request[refreshed-at]:-}
expires-by-inactivity-at: ${request[expires-by-inactivity-at]:-}"
    # The token reaches jq and op through pipes only (printf is a builtin), never through argv.
    template="$(printf '%s' "${request[value]:?the request has no value}" |
      jq -Rs --arg title "$title" --arg notes "$notes" '{
        title: $title,
        category: "API_CREDENTIAL",
        fields: [
          { id: "credential", type: "CONCEALED", label: "credential", value: . },
          { id: "notesPlain", type: "STRING", purpose: "NOTES", label: "notesPlain", value: $notes }
        ]
      }')"
    if [[ -n "$item" ]]; then
      printf '%s' "$template" | op item edit "$title" --vault "$vault" >/dev/null
    else
      printf '%s' "$template" | op item create --vault "$vault" >/dev/null
    fi
    # No version= line: partnerd uses the token's fingerprint as the version.
    ;;
  *)
    echo "op.sh: usage: op.sh get|store (request on stdin)" >&2
    exit 2
    ;;
esac
