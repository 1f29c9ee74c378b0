#!/bin/sh
# Installs wfad's build dependencies (Debian packages), builds the library and the CLI.
# Runs apt-get through sudo when not root. Pass --ci to add the CI tools (clang, valgrind, ...).
set -eu
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
pkgs=$(cat scripts/debian-packages.txt)
[ "${1:-}" = "--ci" ] && pkgs="$pkgs $(cat scripts/ci-packages.txt)"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "setup: installing$missing"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
make -j"$(nproc)"
