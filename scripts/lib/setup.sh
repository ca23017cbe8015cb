# Shared by scripts/run and scripts/test: everything a fresh Debian/Ubuntu clone needs.
# Each step is skipped when what it would produce is already up to date, so a second run is quick.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export FLASK_APP="app:create_app"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
is_root() { [ "$(id -u)" = 0 ]; }

APT_UPDATED=""
apt_install() {
  is_root || { echo "missing Debian packages: $* (run as root or install them)" >&2; return 1; }
  if [ -z "$APT_UPDATED" ]; then DEBIAN_FRONTEND=noninteractive apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

find_python() {
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  return 1
}

stamp_ok() {  # stamp_ok NAME FILE...: true when FILEs are unchanged since the last successful step
  local name=$1; shift
  local sum; sum=$(cat "$@" | sha256sum | cut -d' ' -f1)
  [ -f "$VENV/.stamp-$name" ] && [ "$(cat "$VENV/.stamp-$name")" = "$sum" ]
}
stamp_set() { local name=$1; shift; cat "$@" | sha256sum | cut -d' ' -f1 > "$VENV/.stamp-$name"; }

setup_python() {
  local python
  if ! python=$(find_python); then
    say "installing Python 3 with venv"
    apt_install python3 python3-venv python3-dev
    python=$(find_python) || { echo "Python >= 3.11 is required" >&2; exit 1; }
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating the virtualenv (.venv)"
    "$python" -m venv "$VENV" 2>/dev/null || { apt_install python3-venv && "$python" -m venv "$VENV"; }
  fi
  local files=("$ROOT/requirements.txt")
  [ "${1:-}" = test ] && files+=("$ROOT/tests/requirements.txt")
  if ! stamp_ok "pip-${1:-run}" "${files[@]}"; then
    say "installing Python packages"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
    local args=(); for f in "${files[@]}"; do args+=(-r "$f"); done
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "${args[@]}"
    stamp_set "pip-${1:-run}" "${files[@]}"
  fi
}

setup_node() {
  if ! command -v npm >/dev/null 2>&1; then
    say "installing Node.js and npm"
    apt_install nodejs npm
  fi
  if [ ! -d "$ROOT/node_modules" ] || ! stamp_ok npm "$ROOT/package-lock.json"; then
    say "installing front-end packages (npm ci)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    stamp_set npm "$ROOT/package-lock.json"
  fi
}

setup_translations() {
  compgen -G "$ROOT/app/translations/*/LC_MESSAGES/messages.po" >/dev/null || return 0  # no catalog yet
  if ! stamp_ok babel "$ROOT"/app/translations/*/LC_MESSAGES/messages.po 2>/dev/null ||
     ! ls "$ROOT"/app/translations/*/LC_MESSAGES/messages.mo >/dev/null 2>&1; then
    say "compiling translations"
    "$VENV/bin/pybabel" -q compile -d "$ROOT/app/translations"  # -q is a global option: before the command
    stamp_set babel "$ROOT"/app/translations/*/LC_MESSAGES/messages.po
  fi
}

ensure_instance_config() {
  mkdir -p "$ROOT/instance"
  if [ ! -f "$ROOT/instance/config.py" ]; then
    say "writing instance/config.py with a new SECRET_KEY"
    local key; key=$("$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(48))')
    umask 077
    printf '# Written once by scripts/run; see config.example.py for the other settings.\nSECRET_KEY = "%s"\n' "$key" \
      > "$ROOT/instance/config.py"
  fi
}

flask() { (cd "$ROOT" && "$VENV/bin/flask" "$@"); }
