#!/bin/sh
# install-deps.sh - install every Debian 12 package Relance needs, without
# questions, idempotently. Run as root (or through sudo).
#
# Postfix is preseeded with "No configuration": the package's tools
# (postfix, smtp-sink, smtp-source, postconf) are installed but no system
# instance is set up; tests and the demo run their own private instance.
# systemd (systemd-analyze), m4 and sendmail-cf (Sendmail's cf macros,
# which do not conflict with postfix, unlike sendmail-bin) are for
# tests/e2e/test-packaging.sh.
set -eu

PKGS="build-essential pkg-config
  libmilter-dev libetpan-dev libpcre2-dev libsqlite3-dev sqlite3 libcsv-dev
  libgnutls28-dev
  postfix
  python3 clang libclang-rt-14-dev libfuzzer-14-dev time procps
  systemd m4 sendmail-cf"

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
        missing="$missing $p"
done
if [ -z "$missing" ]; then
    echo "install-deps: all packages present"
    exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing$missing"
echo "postfix postfix/main_mailer_type select No configuration" |
    $SUDO debconf-set-selections
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
    --no-install-recommends $missing
