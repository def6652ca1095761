#!/usr/bin/env bash
# dnsperf against minimesh-dns and Knot DNS on 127.0.0.1 (see dnsperf.ts). Installs dnsperf,
# knot and dnsutils from Debian on first use. BENCH_SECONDS=5 sets the length of each run.
set -euo pipefail
cd "$(dirname "$0")/../../.."
need=()
command -v dnsperf >/dev/null 2>&1 || need+=(dnsperf)
command -v knotd >/dev/null 2>&1 || need+=(knot)
command -v dig >/dev/null 2>&1 || need+=(dnsutils)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "dnsperf bench: missing Debian packages: ${need[*]} (run as root, or: sudo apt-get install ${need[*]})" >&2
    exit 1
  fi
  echo "dnsperf bench: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
exec npx tsx apps/dns/bench/dnsperf.ts "$@"
