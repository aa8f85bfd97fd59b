#!/usr/bin/env bash
# partnerd-store-exec helper for Bitwarden (or Vaultwarden), through the Bitwarden CLI (`bw`) and `jq`.
#
#   stores:
#     bitwarden:
#       use: partnerd-store-exec
#       options:
#         command: [./node_modules/partnerd-store-exec/helpers/bw.sh]
#         timeoutMs: 30000          # bw is slow to start, and `bw sync` talks to the server
#
# An EXAMPLE: read it, adapt it, try it against a scratch vault. Each secret is a login item named
# `partnerd-<name>` (PARTNERD_BW_PREFIX changes that); the token is its password, the metadata its notes
# with `managed-by: partnerd`. An existing item without that line is only overwritten when the profile
# sets `takeover: true`.
#
# The vault must be unlocked: BW_SESSION in partnerd's environment, or a session key handed over by
# systemd (LoadCredential=bw-session:/etc/partnerd/bw-session), which this script reads from
# $CREDENTIALS_DIRECTORY/bw-session. Never put the session key into the partnerd config.
#
# Protocol: see pass.sh. Exit non-zero on ANY failure: printing nothing with exit 0 means "not found".
set -euo pipefail

operation="${1:-}"
prefix="${PARTNERD_BW_PREFIX:-partnerd-}"
if [[ -z "${BW_SESSION:-}" && -r "${CREDENTIALS_DIRECTORY:-/nonexistent}/bw-session" ]]; then
  BW_SESSION="$(<"$CREDENTIALS_DIRECTORY/bw-session")"
  export BW_SESSION
fi

declare -A request=()
while IFS= read -r line && [[ -n "$line" ]]; do
  request["${line%%=*}"]="${line#*=}"
done

name="${request[name]:-}"
if [[ ! "$name" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]]; then
  echo "bw.sh: unsupported secret name (letters, digits, '.', '_', '-')" >&2
  exit 2
fi
title="$prefix$name"

# Another host may have rotated the token: read what the server has, not a stale local cache.
bw sync --quiet
# `bw get item` matches loosely; list and keep exact name matches. Zero → not found, two → ambiguous.
items="$(bw list items --search "$title" | jq --arg title "$title" '[.[] | select(.name == $title)]')"
count="$(printf '%s' "$items" | jq 'length')"
if ((count > 1)); then
  echo "bw.sh: $count items are named \"$title\"; keep one" >&2
  exit 1
fi

case "$operation" in
  get)
    ((count == 1)) || exit 0
    printf '%s' "$items" |
      jq -r '.[0] | "value=\(.login.password // error("the item has no password"))", "updated-at=\(.revisionDate)"'
    ;;
  store)
    notes="managed-by: partnerd
profile: ${request[profile]:-}
fingerprint: ${request[fingerprint]:-}
refreshed-at: ${request[refreshed-at]:-}
expires-by-inactivity-at: ${request[expires-by-inactivity-at]:-}"
    if ((count == 1)) && [[ "${request[takeover]:-}" != "true" ]] &&
      ! printf '%s' "$items" | jq -e '.[0].notes // "" | test("managed-by: partnerd")' >/dev/null; then
      echo "bw.sh: item \"$title\" was not created by partnerd; set takeover: true on the profile's refreshToken to overwrite it" >&2
      exit 1
    fi
    if ((count == 1)); then
      base="$(printf '%s' "$items" | jq '.[0]')"
      id="$(printf '%s' "$base" | jq -r '.id')"
    else
      base="$(bw get template item | jq --arg title "$title" '.name = $title | .type = 1 | .login = {username: null, password: null}')"
      id=""
    fi
    # Tokens (old and new) travel through pipes only, never through argv: printf is a bash builtin,
    # <(...) hands jq a /dev/fd path, and bw create/edit read the encoded item from stdin.
    item="$(printf '%s' "$base" | jq --rawfile token <(printf '%s' "${request[value]:?the request has no value}") \
      --arg notes "$notes" '.login.password = $token | .notes = $notes')"
    if [[ -n "$id" ]]; then
      printf '%s' "$item" | bw encode | bw edit item "$id" >/dev/null
    else
      printf '%s' "$item" | bw encode | bw create item >/dev/null
    fi
    # No version= line: partnerd uses the token's fingerprint as the version.
    ;;
  *)
    echo "bw.sh: usage: bw.sh get|store (request on stdin)" >&2
    exit 2
    ;;
esac
