# Installs the Debian packages aton needs, only when something is missing.
# Sourced by scripts/test and scripts/demo.

ATON_DEBIAN_PACKAGES=(
  build-essential cmake pkg-config
  libboost-dev libboost-filesystem-dev libboost-program-options-dev
  rapidjson-dev catch2
  libcurl4-openssl-dev zlib1g-dev libzstd-dev
  zstd  # the compression tests read and write .zst files with the CLI too
  libsqlite3-dev sqlite3
  libpq-dev postgresql
  libnats-dev nats-server  # the nats sink (nats.c, <nats/nats.h>) and its tests' server
  python3
  groff-base  # the man page test renders aton.1 (scripts/package-test adds man-db)
)

aton_install_deps() {
  local missing=()
  for p in "${ATON_DEBIAN_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "==> installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# The csv source's tests fetch the csv-spectrum test data with npm at test
# time, and scripts/tokenizer/setup the tokenizer's rank files and its
# tests' reference (npm package tiktoken); a machine without Node.js or npm
# gets Debian's.
command -v node >/dev/null 2>&1 || ATON_DEBIAN_PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || ATON_DEBIAN_PACKAGES+=(npm)
