# Shared set-up steps of ./bin/serve, ./bin/test and .ci/run (sourced, not run).
#
# Everything here is idempotent: a step that finds its work done says so and returns.
# Debian packages are installed as root, or through sudo when not root.

set -Eeuo pipefail

ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV_DIR="$ROOT_DIR/.venv"
VENV_PY="$VENV_DIR/bin/python"
# The WeasyPrint libraries and a CJK font; without harfbuzz-subset PDFs take seconds.
PDF_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk)

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
warn() { printf '\033[1;33m==> note:\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m==> error:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
    if [[ $EUID -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root for: $* (run as root or install sudo)"
    fi
}

# Run a command as the postgres system user (peer authentication over the local socket).
as_postgres() {
    if [[ $EUID -eq 0 ]]; then
        runuser -u postgres -- "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -u postgres "$@"
    else
        die "need root or sudo to run as the postgres user: $*"
    fi
}

_apt_updated=0
ensure_apt_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$pkg")
        fi
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        return 0
    fi
    command -v apt-get >/dev/null 2>&1 || die "missing packages ${missing[*]} and no apt-get: install them by hand"
    say "Installing Debian packages: ${missing[*]}"
    if [[ $_apt_updated -eq 0 ]]; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        _apt_updated=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Debian's python3 (3.11 on Debian 12); the Django 5.2 stack of pyproject.toml needs 3.11.
# BANGFU_PYTHON names another 3.11 interpreter.
find_python() {
    local candidate
    for candidate in "${BANGFU_PYTHON:-}" /usr/bin/python3 python3 python3.11; do
        [[ -n $candidate ]] || continue
        if command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    die "Python 3.11 not found (Debian 12's python3 is 3.11; set BANGFU_PYTHON to another 3.11)"
}

# Create .venv if needed and install the project with the given extras ("" or "dev").
# A stamp file remembers what was installed from which pyproject.toml, so a second run is quick.
ensure_venv() {
    local extras="$1" python stamp wanted
    stamp="$VENV_DIR/.bangfu-installed"
    if [[ -x $VENV_PY ]] && "$VENV_PY" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
        :
    else
        python="$(find_python)"
        if ! "$python" -c 'import ensurepip' 2>/dev/null; then
            ensure_apt_packages python3-venv
        fi
        [[ -e $VENV_DIR ]] && { warn "removing unusable $VENV_DIR"; rm -rf "$VENV_DIR"; }
        say "Creating $VENV_DIR with $python"
        "$python" -m venv "$VENV_DIR"
    fi
    wanted="$(sha256sum "$ROOT_DIR/pyproject.toml" | cut -d' ' -f1)"
    if [[ -f $stamp ]]; then
        local have_hash have_extras
        { read -r have_hash; read -r have_extras || true; } <"$stamp"
        if [[ $have_hash == "$wanted" && ( -z $extras || $have_extras == "$extras" ) ]]; then
            return 0
        fi
        # a dev install also serves a plain one
        [[ -z $extras && $have_extras == dev ]] && extras=dev
    fi
    local target="."
    [[ -n $extras ]] && target=".[$extras]"
    say "Installing the project into .venv (pip install \"$target\")"
    (cd "$ROOT_DIR" && "$VENV_PY" -m pip install --disable-pip-version-check -q "$target")
    printf '%s\n%s\n' "$wanted" "$extras" >"$stamp"
}

# Compile the translations when a .mo file is missing or older than its .po file.
ensure_messages() {
    local po stale=0
    while IFS= read -r po; do
        if [[ ! -f ${po%.po}.mo || $po -nt ${po%.po}.mo ]]; then
            stale=1
            break
        fi
    done < <(find "$ROOT_DIR" \( -path "$VENV_DIR" -o -path "$ROOT_DIR/data" -o -path "$ROOT_DIR/build" \
        -o -path "$ROOT_DIR/.git" \) -prune -o -path '*/LC_MESSAGES/*.po' -print)
    if [[ $stale -eq 0 ]]; then
        return 0
    fi
    ensure_apt_packages gettext
    say "Compiling translations"
    (cd "$ROOT_DIR" && "$VENV_PY" manage.py compilemessages -v 0 --ignore=.venv --ignore=data --ignore=build \
        --ignore=.git)
}

# Is the host of a postgres:// or redis:// URL this machine (or absent)?
url_is_local() {
    local rest="${1#*://}"
    rest="${rest%%/*}"
    rest="${rest##*@}"
    rest="${rest%:*}"
    [[ -z $rest || $rest == 127.0.0.1 || $rest == localhost || $rest == "[::1]" ]]
}

ensure_postgres_running() {
    ensure_apt_packages postgresql
    if pg_isready -q -h 127.0.0.1 -p 5432 -t 3; then
        return 0
    fi
    local version
    version="$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -V | tail -n1)"
    [[ -n $version ]] || die "PostgreSQL is installed but /etc/postgresql has no cluster"
    say "Starting PostgreSQL $version"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
    local i
    for i in $(seq 30); do
        pg_isready -q -h 127.0.0.1 -p 5432 -t 1 && return 0
        sleep 1
    done
    die "PostgreSQL did not become ready on 127.0.0.1:5432"
}

ensure_redis_running() {
    ensure_apt_packages redis-server
    if [[ $(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null) == PONG ]]; then
        return 0
    fi
    say "Starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
    local i
    for i in $(seq 20); do
        [[ $(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null) == PONG ]] && return 0
        sleep 0.5
    done
    die "Redis did not answer on 127.0.0.1:6379"
}

# Print a DATABASE_URL for the local PostgreSQL that works for the tests.
#
# Where the machine trusts local TCP logins (as the CI machines do) that is the postgres
# superuser. On a fresh Debian install TCP logins need a password, so we (re)create the role
# bangfu_test (LOGIN CREATEDB: pytest-django creates and drops test_<name>) through the postgres
# user's local socket, with a new random password that lives only in this run's environment.
local_test_database_url() {
    local name="$1"
    if PGCONNECT_TIMEOUT=5 psql "postgres://postgres@127.0.0.1:5432/postgres" -w -tAc 'select 1' >/dev/null 2>&1; then
        echo "postgres://postgres@127.0.0.1:5432/$name"
        return 0
    fi
    local password
    password="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    # cd /: the postgres user may not read the caller's working directory
    (cd / && as_postgres psql -q -v ON_ERROR_STOP=1 -v pw="$password" -d postgres) >/dev/null <<'SQL'
SELECT 'CREATE ROLE bangfu_test LOGIN CREATEDB'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bangfu_test') \gexec
ALTER ROLE bangfu_test LOGIN CREATEDB PASSWORD :'pw';
SQL
    echo "postgres://bangfu_test:$password@127.0.0.1:5432/$name"
}

# The environment ./bin/serve runs in (tests/test_files.py reads the settings it gives): the
# embedded default whatever the shell has for the real services, DEBUG off (a debug page would
# show the settings), and only the local host names unless DJANGO_ALLOWED_HOSTS says more.
serve_environment() {
    local var
    for var in DATABASE_URL REDIS_URL DJANGO_SETTINGS_MODULE DJANGO_DEBUG; do
        if [[ -n ${!var:-} ]]; then
            warn "ignoring $var: ./bin/serve runs on the embedded default, DEBUG off (see README for PostgreSQL + Redis)"
            unset "$var"
        fi
    done
    export DJANGO_DEBUG=0
    export DJANGO_ALLOWED_HOSTS="${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost}"
}
