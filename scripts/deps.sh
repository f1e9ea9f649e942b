#!/usr/bin/env bash
# Installs the Debian packages a target needs, only those missing. Usage: scripts/deps.sh demo|test
set -euo pipefail
target=${1:-demo}
case "$target" in
  demo) pkgs=(rsync git python3) ;;
  test) pkgs=(rsync git python3 python3-venv docker.io docker-registry openssh-server openssh-client postgresql debootstrap ansible ansible-lint nginx apache2-utils unzip openssl chromium fonts-dejavu-core) ;;
  *) echo "usage: $0 demo|test" >&2; exit 2 ;;
esac
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# python3 may come from pyenv rather than Debian: accept any python3 on PATH.
if command -v python3 >/dev/null; then missing=("${missing[@]/python3}"); fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [ ${#missing[@]} -eq 0 ]; then echo "deps: all present for $target"; exit 0; fi
if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
  echo "deps: missing ${missing[*]} and not root; install them with apt-get" >&2; exit 1
fi
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a NEEDRESTART_SUSPEND=1
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
