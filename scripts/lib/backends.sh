# scripts/test's back-ends: Debian's Chromium, CJK fonts and pdftotext, PostgreSQL and Redis on 127.0.0.1.
# provide_* print a URL on stdout (all talk goes to stderr) or fail with a message saying what is missing.

PROBE() { "$VENV/bin/python" "$ROOT/scripts/lib/backends.py" "$@"; }
TEST_PG_NAME=zuoxi_test
TEST_PG_ROLE=zuoxi_test
TEST_REDIS_URL=redis://127.0.0.1:6379/9

ensure_browser() {
  local missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q "install ok installed" || missing+=(fonts-noto-cjk)
  command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)  # the order PDF tests read the text back
  [ -d /usr/share/poppler/cMap/Adobe-GB1 ] || missing+=(poppler-data)  # ... whose Chinese needs the CID maps
  [ ${#missing[@]} -eq 0 ] && return 0
  if is_root; then
    say "installing ${missing[*]} from Debian"
    apt_install "${missing[@]}"
  else
    echo "browser tests need Debian packages: ${missing[*]} (sudo apt-get install ${missing[*]})" >&2
    return 1
  fi
}

wait_for() {  # wait_for SECONDS COMMAND...: true once COMMAND succeeds
  local deadline=$((SECONDS + $1)); shift
  until "$@" 2>/dev/null; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.5
  done
}

start_local_postgres() {
  if ! command -v pg_lsclusters >/dev/null 2>&1 || [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
    if ! is_root; then
      echo "PostgreSQL is not running on 127.0.0.1 and not installed: install it (apt-get install postgresql)," >&2
      echo "or set ZUOXI_TEST_DATABASE_URL=postgresql://user@host:port/db" >&2
      return 1
    fi
    say "installing PostgreSQL from Debian" >&2
    apt_install postgresql >&2 || return 1
  fi
  local version cluster port
  read -r version cluster port _ < <(pg_lsclusters -h | head -n1)
  if [ -z "$version" ]; then
    version=$(ls /usr/lib/postgresql | sort -n | tail -n1)
    pg_createcluster "$version" main >&2 || return 1
    read -r version cluster port _ < <(pg_lsclusters -h | head -n1)
  fi
  say "starting PostgreSQL $version/$cluster on port $port" >&2
  if ! pg_ctlcluster "$version" "$cluster" start >&2 2>&1; then
    pg_lsclusters -h | head -n1 | grep -q online || {
      echo "could not start PostgreSQL $version/$cluster (as root: pg_ctlcluster $version $cluster start)" >&2
      return 1
    }
  fi
  echo "$port"
}

provide_postgres() {
  if [ -n "${ZUOXI_TEST_DATABASE_URL:-}" ]; then
    PROBE pg-ready "$ZUOXI_TEST_DATABASE_URL" >&2 || return 1
    echo "$ZUOXI_TEST_DATABASE_URL"
    return 0
  fi
  local port=5432
  if ! PROBE pg-ready "postgresql://postgres@127.0.0.1:$port/postgres" 2>/dev/null &&
     ! (command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p $port); then
    port=$(start_local_postgres) || return 1
    wait_for 30 pg_isready -q -h 127.0.0.1 -p "$port" || { echo "PostgreSQL did not come up" >&2; return 1; }
  fi
  local base="postgresql://postgres@127.0.0.1:$port"
  if ! PROBE pg-ready "$base/postgres" 2>/dev/null; then
    # Debian's default asks TCP clients for a password: use a role of our own with one.
    if ! is_root; then
      echo "cannot sign in to PostgreSQL on 127.0.0.1:$port as postgres without a password;" >&2
      echo "set ZUOXI_TEST_DATABASE_URL=postgresql://user:password@127.0.0.1:$port/$TEST_PG_NAME" >&2
      return 1
    fi
    runuser -u postgres -- psql -q -p "$port" -v ON_ERROR_STOP=1 -c "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$TEST_PG_ROLE') THEN
        CREATE ROLE $TEST_PG_ROLE LOGIN CREATEDB PASSWORD '$TEST_PG_ROLE';
      END IF; END \$\$" >&2 || return 1
    base="postgresql://$TEST_PG_ROLE:$TEST_PG_ROLE@127.0.0.1:$port"
  fi
  PROBE pg-recreate "$base/$TEST_PG_NAME" >&2 || return 1
  echo "$base/$TEST_PG_NAME"
}

provide_redis() {
  if [ -n "${ZUOXI_TEST_REDIS_URL:-}" ]; then
    PROBE redis-ping "$ZUOXI_TEST_REDIS_URL" >&2 || return 1
    echo "$ZUOXI_TEST_REDIS_URL"
    return 0
  fi
  if ! PROBE redis-ping "$TEST_REDIS_URL" 2>/dev/null; then
    if ! command -v redis-server >/dev/null 2>&1; then
      if ! is_root; then
        echo "Redis is not running on 127.0.0.1:6379 and not installed: install redis-server," >&2
        echo "or set ZUOXI_TEST_REDIS_URL=redis://host:port/db" >&2
        return 1
      fi
      say "installing Redis from Debian" >&2
      apt_install redis-server >&2 || return 1
    fi
    if ! PROBE redis-ping "$TEST_REDIS_URL" 2>/dev/null; then
      say "starting Redis on 127.0.0.1:6379" >&2
      redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no >&2 || return 1
      wait_for 15 PROBE redis-ping "$TEST_REDIS_URL" || { echo "Redis did not come up" >&2; return 1; }
    fi
  fi
  echo "$TEST_REDIS_URL"
}

postgres_version() { PROBE pg-version "$1" 2>/dev/null || echo "?"; }
redis_version() { PROBE redis-version "$1" 2>/dev/null || echo "?"; }
