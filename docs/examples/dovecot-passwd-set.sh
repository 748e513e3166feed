#!/bin/sh
# Sets one account's password in a Dovecot passwd-file, as SHA512-CRYPT.
# For mailwarden's host config:
#   "passwords": { "setCommand": ["/usr/local/lib/mailwarden/dovecot-passwd-set.sh", "/etc/dovecot/users", "{login}"] }
# Usage: dovecot-passwd-set.sh PASSWD_FILE LOGIN   (the new password: one line on standard input)
# The password never appears in argv: printf is the shell's builtin, and
# doveadm reads it from its standard input.
set -eu
umask 077
file=${1:?usage: dovecot-passwd-set.sh PASSWD_FILE LOGIN}
login=${2:?usage: dovecot-passwd-set.sh PASSWD_FILE LOGIN}
case $login in
  *[!A-Za-z0-9.@_+=-]*) echo "refusing login \"$login\": only A-Z a-z 0-9 . @ _ + = - are expected" >&2; exit 2 ;;
esac
[ -f "$file" ] || { echo "$file: no such passwd-file" >&2; exit 2; }
IFS= read -r password || true
[ -n "$password" ] || { echo "no password on standard input" >&2; exit 2; }

# doveadm pw asks twice when not given -p; with one line it hashes something
# else and still exits 0, so feed it the password twice and check the result.
hash=$(printf '%s\n%s\n' "$password" "$password" | doveadm pw -s SHA512-CRYPT 2>&1) || {
  echo "doveadm pw failed: $hash" >&2; exit 1; }
case $hash in
  '{SHA512-CRYPT}$6$'*) ;;
  *) echo "doveadm pw gave no SHA512-CRYPT hash" >&2; exit 1 ;;
esac
case ${hash#'{SHA512-CRYPT}'} in
  *[!A-Za-z0-9./\$]*) echo "doveadm pw printed more than a hash (did it complain?)" >&2; exit 1 ;;
esac

# One writer at a time; the new file replaces the old one whole (rename).
exec 9>>"$file.lock"
flock -w 10 9 || { echo "$file is locked by another writer" >&2; exit 1; }
tmp=$(mktemp "$file.XXXXXX")
trap 'rm -f "$tmp"' EXIT
LOGIN=$login HASH=$hash awk -F: -v OFS=: '
  BEGIN { login = ENVIRON["LOGIN"]; hash = ENVIRON["HASH"]; found = 0 }
  $1 == login { $2 = hash; found = 1 }
  { print }
  END { exit found ? 0 : 3 }
' "$file" > "$tmp" || { echo "$login: no such account in $file (this script changes passwords, it does not add accounts)" >&2; exit 3; }
chmod --reference="$file" "$tmp"
chown --reference="$file" "$tmp" 2>/dev/null || true
mv -f "$tmp" "$file"
trap - EXIT
