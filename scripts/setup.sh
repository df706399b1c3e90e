#!/usr/bin/env bash
# Shared set-up for scripts/demo and scripts/test (sourced, not run).
# Finds Odoo 18.0 (importable, else $ODOO_SRC, else the official 18.0 source download), installs what is
# missing (Debian packages, Python requirements), starts PostgreSQL and writes an Odoo config file.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN_DIR="$ROOT/.run"
PYTHON=${PYTHON:-python3}
DB_USER=odoo
DB_PASSWORD=odoo
mkdir -p "$RUN_DIR"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31mERROR: %s\033[0m\n' "$*" >&2; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

ensure_debian_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null || die "missing system packages: ${missing[*]} (install them, no apt-get here)"
    say "Installing system packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

odoo_is_importable() {
    "$PYTHON" -c 'import sys, odoo.release as r; sys.exit(r.version_info[0] != 18)' 2>/dev/null
}

# Installs Odoo's Python requirements from a source tree, adapted to this Python
# (cbor2 5.4.2 does not build on 3.11; python-ldap is optional), then the tree itself.
install_odoo_source() {
    local src=$1 req="$RUN_DIR/odoo-requirements.txt"
    [ -f "$src/odoo/release.py" ] || die "$src is not an Odoo source tree (no odoo/release.py)"
    grep -q "^version_info = (18, 0" "$src/odoo/release.py" || die "$src is not Odoo 18.0"
    ensure_debian_packages libpq-dev build-essential python3-dev
    sed -e 's/^cbor2==5\.4\.2.*/cbor2==5.6.2/' -e '/^python-ldap/d' "$src/requirements.txt" > "$req"
    say "Installing Odoo's Python requirements"
    "$PYTHON" -m pip install -q -r "$req"
    "$PYTHON" -m pip install -q --no-deps -e "$src"
}

download_official_odoo() {
    local dest="${XDG_CACHE_HOME:-$HOME/.cache}/fee_collection/odoo-18.0"
    if [ ! -f "$dest/odoo/release.py" ]; then
        say "Downloading the official Odoo 18.0 source"
        mkdir -p "$dest"
        curl -fsSL --connect-timeout 20 https://github.com/odoo/odoo/archive/refs/heads/18.0.tar.gz \
            | tar -xz --strip-components=1 -C "$dest" 2>/dev/null || { rm -rf "$dest"; return 1; }
    fi
    install_odoo_source "$dest"
}

find_odoo() {
    if odoo_is_importable; then
        :
    elif [ -n "${ODOO_SRC:-}" ]; then
        install_odoo_source "$ODOO_SRC"
    elif ! download_official_odoo; then
        die "Odoo 18.0 not found. Make it importable by $PYTHON, or point ODOO_SRC at an Odoo 18.0 source tree
       (git clone -b 18.0 --depth 1 https://github.com/odoo/odoo), then run this command again."
    fi
    odoo_is_importable || die "Odoo 18.0 is still not importable by $PYTHON"
    ODOO_ROOT=$("$PYTHON" -c 'import os, odoo; print(os.path.dirname(os.path.dirname(odoo.__file__)))')
    "$PYTHON" -c 'import babel, lxml, psycopg2, werkzeug, reportlab, PyPDF2, xlsxwriter, passlib' 2>/dev/null \
        || { [ -f "$ODOO_ROOT/requirements.txt" ] && install_odoo_source "$ODOO_ROOT"; } \
        || die "Odoo's Python requirements are missing and no requirements.txt was found beside it"
    # Optional for Odoo, needed here: phone numbers are checked and formatted (E.164) by
    # Odoo's phone_validation before SMS leave, as they are entered.
    "$PYTHON" -c 'import phonenumbers' 2>/dev/null || "$PYTHON" -m pip install -q 'phonenumbers>=8.13,<10'
    say "Odoo 18.0 from $ODOO_ROOT"
}

# A PostgreSQL role for Odoo on the local Debian cluster (Odoo refuses to run as 'postgres').
start_postgres() {
    ensure_debian_packages postgresql
    local cluster
    cluster=$(pg_lsclusters --no-header 2>/dev/null | awk 'NR==1 {print $1" "$2}')
    [ -n "$cluster" ] || { as_root pg_createcluster 15 main >/dev/null; cluster="15 main"; }
    # shellcheck disable=SC2086
    pg_lsclusters --no-header | awk 'NR==1 {print $4}' | grep -q online || as_root pg_ctlcluster $cluster start
    DB_PORT=$(pg_lsclusters --no-header | awk 'NR==1 {print $3}')
    as_root su postgres -c "psql -p $DB_PORT -tAc \"SELECT 1 FROM pg_roles WHERE rolname='$DB_USER'\"" | grep -q 1 \
        || as_root su postgres -c "psql -p $DB_PORT -qc \"CREATE ROLE $DB_USER SUPERUSER LOGIN PASSWORD '$DB_PASSWORD'\""
}

write_odoo_conf() {
    local addons="$ROOT"
    [ -d "$ODOO_ROOT/addons" ] && addons="$ODOO_ROOT/addons,$addons"
    ODOO_CONF="$RUN_DIR/$1.conf"
    cat > "$ODOO_CONF" <<CONF
[options]
addons_path = $addons
data_dir = $RUN_DIR/data
db_host = 127.0.0.1
db_port = $DB_PORT
db_user = $DB_USER
db_password = $DB_PASSWORD
admin_passwd = admin
http_interface = 127.0.0.1
http_port = $2
CONF
}

odoo_cmd() { "$PYTHON" -c 'import odoo.cli; odoo.cli.main()' "$@"; }

psql_cmd() { PGPASSWORD=$DB_PASSWORD psql -h 127.0.0.1 -p "$DB_PORT" -U "$DB_USER" -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }

drop_db() { psql_cmd -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)"; rm -rf "$RUN_DIR/data/filestore/$1"; }

db_exists() { [ "$(psql_cmd -c "SELECT 1 FROM pg_database WHERE datname='$1'")" = 1 ]; }

# setup_all NAME HTTP_PORT: everything needed to run Odoo, config in .run/NAME.conf
setup_all() {
    ensure_debian_packages postgresql wkhtmltopdf fonts-noto-cjk curl
    find_odoo
    start_postgres
    write_odoo_conf "$1" "$2"
}
