#!/usr/bin/env bash
# Compose v2 (`docker compose`) for a docker CLI that lacks it. Debian 12 packages only Compose v1
# (`docker-compose` 1.29); Debian 13 (trixie) packages v2 (`docker-compose` 2.26, a Go program that
# needs glibc >= 2.34, which Debian 12 has). This fetches that package from the machine's Debian
# mirror with apt itself, under a private configuration (its own source list, lists and cache in
# .minimesh/apt-trixie: the machine's apt sources and installed packages are left as they are),
# so apt checks the mirror's signatures against the machine's Debian archive keyring. The
# package's plugin binary goes where the docker CLI looks for plugins system-wide
# (/usr/local/lib/docker/cli-plugins); Compose v1 stays installed beside it.
#
#   tools/images/compose-v2.sh    installs it unless `docker compose version` already works
#
# Needs root (the plugin directory) and Debian's docker CLI (docker.io). MIRROR picks the mirror.
set -euo pipefail
cd "$(dirname "$0")/../.."

PLUGIN_DIR=/usr/local/lib/docker/cli-plugins

command -v docker >/dev/null || { echo "compose-v2.sh: no docker CLI (apt-get install docker.io)" >&2; exit 1; }
if docker compose version >/dev/null 2>&1; then exit 0; fi
[ "$(id -u)" -eq 0 ] || { echo "compose-v2.sh: run as root (it installs into $PLUGIN_DIR)" >&2; exit 1; }

# The Debian mirror: MIRROR (as base.sh takes it), else the one the machine's apt uses for its own
# release (a deb822 stanza or a one-line source naming the codename, not the security archive),
# else deb.debian.org.
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
mirror=${MIRROR:-}
[ -n "$mirror" ] || mirror=$(awk -v rel="$codename" '
  function stanza() { if (uri != "" && suites ~ ("(^| )" rel "( |$)") && enabled != "no" && uri !~ /security/) print uri; uri = ""; suites = ""; enabled = "" }
  FNR == 1 && NR > 1 { stanza() }
  /^[[:space:]]*$/ { stanza(); next }
  /^URIs:/ { uri = $2 } /^Suites:/ { $1 = ""; suites = $0 } /^Enabled:/ { enabled = $2 }
  END { stanza() }
' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 || true)
[ -n "$mirror" ] || mirror=$(awk -v rel="$codename" '$1 == "deb" && $0 !~ /security/ { for (i = 2; i < NF; i++) if ($i ~ /^https?:/ && $(i + 1) == rel) { print $i; exit } }' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || { echo "compose-v2.sh: no Debian archive keyring at $keyring" >&2; exit 1; }

state=$PWD/.minimesh/apt-trixie
rm -rf "$state"
mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$state/deb" "$state/none"
echo "deb [signed-by=$keyring] $mirror trixie main" >"$state/sources.list"
: >"$state/status"
apt_private=(
  -o "Dir::Etc::SourceList=$state/sources.list" -o "Dir::Etc::SourceParts=$state/none"
  -o "Dir::State::Lists=$state/lists" -o "Dir::State::status=$state/status" -o "Dir::Cache=$state/cache"
  -o "Dir::Etc::Preferences=/dev/null" -o "Dir::Etc::PreferencesParts=$state/none" -o "APT::Default-Release="
  -o "APT::Architecture=$(dpkg --print-architecture)" -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root"
)
apt-get "${apt_private[@]}" update -qq >/dev/null
(cd "$state/deb" && apt-get "${apt_private[@]}" download -qq docker-compose >/dev/null)
deb=$(ls "$state"/deb/docker-compose_2.*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { echo "compose-v2.sh: the mirror ($mirror) had no docker-compose 2.x for trixie" >&2; exit 1; }
dpkg-deb -x "$deb" "$state/root"
bin=$(find "$state/root" -path '*cli-plugins/docker-compose' -type f | head -1)
[ -n "$bin" ] || { echo "compose-v2.sh: $(basename "$deb") holds no cli-plugins/docker-compose" >&2; exit 1; }
install -D -m 0755 "$bin" "$PLUGIN_DIR/docker-compose"
rm -rf "$state"
docker compose version >/dev/null || { echo "compose-v2.sh: installed $PLUGIN_DIR/docker-compose, but \`docker compose version\` fails" >&2; exit 1; }
echo "compose-v2.sh: $(docker compose version) from Debian 13's $(basename "$deb")" >&2
