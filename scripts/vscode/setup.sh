#!/usr/bin/env bash
# Installs what the VS Code test tiers and `npm start` need, idempotently, on a Debian machine that
# reaches only the npm registry and Debian's packages (see ../../README.md, "Testing"):
#   - apt: libkrb5-dev (code-server's kerberos module), ripgrep (VS Code's search), chromium (UI tests)
#   - code-server 4.99.4 (= VS Code 1.99.3, the newest that runs on Node 20), installed by hand
#     (its own postinstall downloads ripgrep from GitHub and fails here) into a cache folder outside
#     the repository: ${LORE_TEST_CACHE:-~/.cache/lore-test}/code-server-4.99.4
# A marker file makes a second run instant. Prints the code-server folder as its last line.
set -euo pipefail

CS_VERSION=4.99.4
CACHE="${LORE_TEST_CACHE:-$HOME/.cache/lore-test}"
CS_DIR="$CACHE/code-server-$CS_VERSION"
MARKER="$CS_DIR/.lore-setup-complete"

log() { echo "[setup] $*" >&2; }

# Fast path: everything already there.
if [ -f "$MARKER" ] && [ -f "$CS_DIR/out/node/entry.js" ] && command -v rg >/dev/null 2>&1 && [ -x /usr/bin/chromium ] \
  && dpkg -s libkrb5-dev >/dev/null 2>&1; then
  echo "$CS_DIR"
  exit 0
fi

# One setup at a time (test runs started together on a fresh machine).
mkdir -p "$CACHE"
exec 9>"$CACHE/.setup.lock"
flock 9

# ---- apt packages --------------------------------------------------------------------------------
missing=()
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    log "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt_opts=()
    # apt checks signatures as the unprivileged _apt user, in /tmp; on a machine whose /tmp is not
    # world-writable (seen here: mode 755) that fails as "repository is not signed". Run it as root then.
    [ -k /tmp ] && [ "$(stat -c %a /tmp)" = 1777 ] || apt_opts=(-o APT::Sandbox::User=root)
    apt-get "${apt_opts[@]}" update -qq >&2
    apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "${missing[@]}" >&2
  else
    log "missing system packages: ${missing[*]}; install them as root: apt-get install -y ${missing[*]}"
    exit 1
  fi
fi

# ---- code-server ---------------------------------------------------------------------------------
if [ -f "$MARKER" ] && [ -f "$CS_DIR/out/node/entry.js" ]; then
  echo "$CS_DIR"
  exit 0
fi

# node-gyp must build against the local Node headers: it cannot download them here.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node_version.h ]; then
  export npm_config_nodedir=/usr
fi
export npm_config_yes=true npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

WORK="$(mktemp -d "$CACHE/.code-server-install.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
start=$(date +%s)
log "installing code-server $CS_VERSION into $CS_DIR (about a minute)"
(
  cd "$WORK"
  npm pack --silent "code-server@$CS_VERSION" >/dev/null
  tar xzf "code-server-$CS_VERSION.tgz"
  cd package/lib/vscode
  npm install --omit=dev --ignore-scripts --no-package-lock --loglevel=error >&2
  npm rebuild --loglevel=error kerberos node-pty @vscode/spdlog @parcel/watcher native-watchdog @vscode/deviceid >&2
  mkdir -p node_modules/@vscode/ripgrep/bin
  cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
  ln -sfn node_modules node_modules.asar
  cd ../..
  npm install --omit=dev --ignore-scripts --no-package-lock --loglevel=error >&2
  npm rebuild --loglevel=error argon2 >&2
)
rm -rf "$CS_DIR"
mv "$WORK/package" "$CS_DIR"
node "$CS_DIR/out/node/entry.js" --version >/dev/null
date -u +%FT%TZ >"$MARKER"
log "code-server ready in $(( $(date +%s) - start )) s"
echo "$CS_DIR"
