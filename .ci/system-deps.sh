#!/usr/bin/env bash
# The system packages the test suite needs (npm's pretest runs this): Debian's chromium for the browser tests,
# python3 for the stdio start-failure tests, setpriv/useradd (util-linux, passwd) for the local-attacker tests,
# nginx for the reverse-proxy test and redis-server for the shared-store tests (each test starts its own, on a
# free loopback port, with its own config).
# Installs what is missing with apt-get when running as root; otherwise stops at once naming the command.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v setpriv >/dev/null 2>&1 || missing+=(util-linux)
command -v useradd >/dev/null 2>&1 || missing+=(passwd)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
[ -x /usr/bin/redis-server ] || missing+=(redis-server)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "pretest: installing ${missing[*]} (Debian packages the tests need)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi
echo "pretest: the tests need ${missing[*]}; install with: sudo apt-get install -y ${missing[*]}" >&2
exit 1
