# Sourced by scripts/slurm.sh and scripts/redis.sh: apt_install NAME PACKAGE… installs Debian
# packages, one apt-get at a time (tests install in parallel). Exit code 3 = cannot install
# (not root, no apt-get, apt failing): the tests skip with the printed reason.
apt_install() {
  local name=$1; shift
  if [ "$(id -u)" != 0 ]; then echo "$name: $* not installed and installing needs root" >&2; exit 3; fi
  command -v apt-get >/dev/null || { echo "$name: $* not installed and there is no apt-get" >&2; exit 3; }
  export DEBIAN_FRONTEND=noninteractive
  exec 9>/tmp/matsense-apt.lock
  flock -w 600 9 || { echo "$name: another apt-get holds /tmp/matsense-apt.lock" >&2; exit 3; }
  apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null || { echo "$name: apt-get update failed" >&2; exit 3; }
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq "$@" >/dev/null || { echo "$name: apt-get install $* failed" >&2; exit 3; }
  exec 9>&-
}

# Run directly (`.ci/run` as root): apt-get update once, then install the packages given that are missing.
#   scripts/apt-install.sh slurm-wlm munge redis-server chromium
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then apt_install apt-install.sh "${missing[@]}"; fi
fi
