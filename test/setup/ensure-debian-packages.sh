#!/usr/bin/env bash
# Installs the Debian packages the integration tests drive (real Postfix,
# Dovecot, Redis, Chromium) when they are missing and we are root; otherwise
# says what is missing. Run by `npm test` before the suite.
set -u
cd "$(dirname "$0")/../.."
missing=()
for p in $(grep -v '^#' .ci/debian-packages.txt); do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing test packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null && exit 0
  echo "apt-get failed; the tests that need ${missing[*]} will fail under CI=true and be skipped otherwise" >&2
  exit 0
fi
echo "missing Debian packages: ${missing[*]} (install them as root: apt-get install ${missing[*]});" >&2
echo "the tests that need them are skipped (and fail under CI=true)" >&2
exit 0
