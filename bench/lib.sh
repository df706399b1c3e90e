#!/usr/bin/env bash
# What the benchmark scripts share (sourced, not run): Odoo and PostgreSQL set up, their databases,
# the OCA wheels, the results table.
#
# bench_setup NAME PORT OUT "DEFAULT SIZES" "$@" first: Odoo config .run/NAME.conf ($ODOO_CONF,
# $RUN_DIR, $PYTHON, say, drop_db, odoo_cmd from scripts/setup.sh), results directory $OUT, the sizes
# $SIZES (the script's arguments, else the default ones) and the date $DATE (BENCH_DATE, else
# today); the databases named to `created` are dropped when the script ends unless BENCH_KEEP=1.
# The add-on measured is the working tree's, or with BENCH_ADDON_REV=REV (a commit, e.g. HEAD) the
# add-on as committed there, exported into .run/ (so that edits in progress do not change a run);
# $ADDON_VERSION says which, for the results.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../scripts/setup.sh
source "$BENCH_DIR/../scripts/setup.sh"

created_dbs=()
bench_setup() {
    setup_all "$1" "$2"
    OUT=$3
    read -ra SIZES <<< "$4"
    shift 4
    [ $# = 0 ] || SIZES=("$@")
    DATE=${BENCH_DATE:-$(date +%F)}
    addon_version
    mkdir -p "$OUT"
    rm -f "$OUT"/*.json
    trap drop_created EXIT
    say "Machine: $(machine); load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
    say "Measuring $ADDON_VERSION"
}

# addon_version: with BENCH_ADDON_REV, $ODOO_CONF's addons path takes the add-on committed there
addon_version() {
    local head rev dir
    head=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
    if [ -z "${BENCH_ADDON_REV:-}" ]; then
        ADDON_VERSION="fee_collection of the working tree (HEAD $head"
        if [ -z "$(git -C "$ROOT" status --porcelain -- fee_collection 2>/dev/null)" ]; then
            ADDON_VERSION+=")"
        else
            ADDON_VERSION+=" with uncommitted changes)"
        fi
        return
    fi
    rev=$(git -C "$ROOT" rev-parse --short "$BENCH_ADDON_REV^{commit}")
    dir="$RUN_DIR/bench-addon/$rev"
    if [ ! -d "$dir/fee_collection" ]; then
        mkdir -p "$dir"
        git -C "$ROOT" archive "$rev" fee_collection | tar -x -C "$dir"
    fi
    sed -i "/^addons_path = / s|,$ROOT\$|,$dir|" "$ODOO_CONF"
    grep -q "^addons_path = .*,$dir\$" "$ODOO_CONF" || die "could not point $ODOO_CONF at $dir"
    ADDON_VERSION="fee_collection at commit $rev"
}

# created DB...: drop these databases when the script ends (unless BENCH_KEEP=1)
created() { created_dbs+=("$@"); }

drop_created() {
    [ "${BENCH_KEEP:-}" = 1 ] && return 0
    local db
    for db in "${created_dbs[@]}"; do drop_db "$db" >/dev/null 2>&1 || true; done
}

# drop_case_db DB: drop a database done with, unless BENCH_KEEP=1
drop_case_db() { [ "${BENCH_KEEP:-}" = 1 ] || drop_db "$1"; }

# copy_db FROM TO: a fresh copy of a database and its filestore
copy_db() {
    PGOPTIONS="-c client_min_messages=warning" drop_db "$2"
    psql_cmd -c "CREATE DATABASE \"$2\" TEMPLATE \"$1\""
    [ ! -d "$RUN_DIR/data/filestore/$1" ] || cp -r "$RUN_DIR/data/filestore/$1" "$RUN_DIR/data/filestore/$2"
}

# install_modules CONF DB MODULES: MODULES (comma-separated) installed into DB, no demo data
install_modules() {
    odoo_cmd -c "$1" -d "$2" -i "$3" --without-demo=all --stop-after-init --log-level=warn
}

# install_db CONF DB MODULES: the same into a new database DB
install_db() {
    PGOPTIONS="-c client_min_messages=warning" drop_db "$2"
    install_modules "$@"
}

# oca_addons DIR MODULE REQUIREMENT CONF [REQUIREMENT...]: the OCA module's PyPI wheel installed with
# --no-deps into DIR (outside the add-on, never committed) unless it is there, with the wheels of the
# OCA modules it depends on (the further REQUIREMENTs, installed by the same command: pip --target does
# not add to a directory it has filled), and the Odoo config CONF: $ODOO_CONF with DIR's addons on its
# addons path, for the OCA databases only
oca_addons() {
    local dir=$1 module=$2 requirement=$3 conf=$4
    shift 4
    if [ ! -d "$dir/odoo/addons/$module" ]; then
        say "Installing OCA $module${1:+ and its OCA dependencies} (wheels, no dependencies) into $dir"
        "$PYTHON" -m pip install -q --no-deps --target "$dir" "$requirement" "$@"
    fi
    sed "s|^addons_path = .*|&,$dir/odoo/addons|" "$ODOO_CONF" > "$conf"
}

machine() {
    echo "$(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)," \
        "$(free -g | awk '/Mem:/ {print $2}') GB"
}

# results_table SCRIPT DATE: SCRIPT's table of the results in $OUT, also into $OUT/table.md
results_table() {
    local script=$1 date=$2 odoo
    odoo=$("$PYTHON" -c 'import odoo.release as r; print(r.version)')
    say "Results ($date; $(machine); Odoo $odoo)"
    shopt -s nullglob
    {
        echo "Measured on $date: $(machine); Odoo $odoo; $ADDON_VERSION."
        echo
        "$PYTHON" "$BENCH_DIR/$script" table "$OUT"/fee-*.json "$OUT"/oca-*.json
    } | tee "$OUT/table.md"
}
