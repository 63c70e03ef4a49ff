#!/usr/bin/env bash
# Installs the real mail peers casemail's integration tests and benchmarks
# drive, from Debian: postfix (for smtp-source and smtp-sink; the postfix
# service itself is never started), swaks, dovecot-imapd. Safe to run again.
# Needs root (CI runs as root); without it, prints the apt command instead.
set -eu
want=()
command -v smtp-source >/dev/null 2>&1 || [ -x /usr/sbin/smtp-source ] || want+=(postfix)
command -v swaks >/dev/null 2>&1 || want+=(swaks)
[ -x /usr/sbin/dovecot ] || want+=(dovecot-imapd)
if [ ${#want[@]} -eq 0 ]; then echo "test peers already installed"; exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "run as root, or: sudo apt-get install -y --no-install-recommends ${want[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
# Keep package scripts from starting services: tests start their own peers
# on loopback.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod +x /usr/sbin/policy-rc.d
trap 'rm -f /usr/sbin/policy-rc.d' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
echo "installed: ${want[*]}"
