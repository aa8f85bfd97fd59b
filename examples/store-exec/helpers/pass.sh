#!/usr/bin/env bash
# partnerd-store-exec helper for pass, the standard Unix password manager (https://www.passwordstore.org/).
#
#   stores:
#     pass:
#       use: partnerd-store-exec
#       options:
#         command: [./node_modules/partnerd-store-exec/helpers/pass.sh]
#         env: { PASSWORD_STORE_DIR: /var/lib/partnerd/.password-store }   # optional
#
# An EXAMPLE: read it, adapt it, try it against a scratch store. Entries are `partnerd/<name>`
# (PARTNERD_PASS_PREFIX changes that): line 1 is the token, the following lines are partnerd's metadata.
# The gpg key must be usable without a prompt (a key without passphrase for the partnerd user, or a
# preset gpg-agent passphrase).
#
# Protocol: partnerd runs `pass.sh get|store`, sends `key=value` lines and a blank line on stdin, and
# reads `key=value` lines from stdout. Exit non-zero on ANY failure: printing nothing with exit 0
# means "this secret does not exist".
set -euo pipefail

operation="${1:-}"
prefix="${PARTNERD_PASS_PREFIX:-partnerd}"
store_dir="${PASSWORD_STORE_DIR:-$HOME/.password-store}"

declare -A request=()
while IFS= read -r line && [[ -n "$line" ]]; do
  request["${line%%=*}"]="${line#*=}"
done

name="${request[name]:-}"
if [[ ! "$name" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ || "$name" == *..* ]]; then
  echo "pass.sh: unsupported secret name (letters, digits, '.', '_', '-')" >&2
  exit 2
fi
entry="$prefix/$name"

case "$operation" in
  get)
    # Missing only when the file is missing; a `pass show` failure (gpg, permissions) is an error.
    [[ -f "$store_dir/$entry.gpg" ]] || exit 0
    content="$(pass show "$entry")"
    printf 'value=%s\n' "${content%%$'\n'*}"
    ;;
  store)
    # printf is a bash builtin: the token goes through a pipe, never through a process's argv.
    printf '%s\nmanaged-by: partnerd\nprofile: %s\nfingerprint: %s\nrefreshed-at: %s\nexpires-by-inactivity-at: %s\n' \
      "${request[value]:?the request has no value}" "${request[profile]:-}" "${request[fingerprint]:-}" \
      "${request[refreshed-at]:-}" "${request[expires-by-inactivity-at]:-}" |
      pass insert --multiline --force "$entry" >/dev/null
    # No version= line: partnerd uses the token's fingerprint as the version.
    ;;
  *)
    echo "pass.sh: usage: pass.sh get|store (request on stdin)" >&2
    exit 2
    ;;
esac
