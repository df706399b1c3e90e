#!/usr/bin/env bash
# Collectors benchmark: the daily dispatch of collection orders, and a collector's "My Orders"
# kanban on a database of many orders.
#
#   bash bench/bench_collectors.sh           # N = 50000 overdue subscribers (about 20 minutes on 2 cores)
#   bash bench/bench_collectors.sh 2000      # any list of N
#
# For each N it builds a database with fee_collection installed (no demo data, the retail dunning
# policy of its data file as the company default) with BENCH_COLLECTORS collectors, a branch and a
# grid per collector (the grid's collector, and an assignment rule of the grid), the last collector
# away today (the one before substitutes), and N subscribers spread over the grids, each with a
# service and one posted invoice of 120.00 overdue, at the "Phone call" level (4 in 5, 11-29 days
# overdue) or "Visit" (1 in 5, 31-59 days): a dunning level that asks for a collection order. 9 in 10
# have the collector the rules gave them, 1 in 10 none (the grid's collector works them).
# Then:
#   dispatch  the scheduled action "dispatch collection orders" made due and run by the scheduler (what
#             a cron worker calls, its server action as the cron's user, the other jobs off), timed up to
#             its commit: N orders issued, checked (one open order a subscriber, for its grid's
#             collector or the substitute, at its level, with its amount, age and priority); then run
#             again the same day, timed: nothing issued or changed
#   kanban    for each size in BENCH_ORDERS (orders in the database; closed orders of the past two
#             years are added by SQL up to it), a collector opening "My Orders", as the web client
#             does: get_views of the action's views, then web_search_read with the action's domain and
#             default filter (Open), the kanban's order, limit (40), fields and the count limit; each
#             a request of a collector (new cursor and environment), BENCH_REQUESTS collectors in turn
#             after 3 warm-up ones; median and 95th percentile of time and queries
# Timing and query counting are bench/harness.py's, as for every benchmark. It prints the tables (also
# written to bench/results/collectors/table.md, raw figures beside them as JSON).
#
# Environment:
#   BENCH_DATE=YYYY-MM-DD       must be today (the scheduled dispatch dates its orders today)
#   BENCH_COLLECTORS=200        collectors (and grids)
#   BENCH_ORDERS="N 10N"        database sizes (orders) of the kanban runs, smallest first
#   BENCH_REQUESTS=30           measured kanban loads per size
#   BENCH_PROFILE_DISPATCH=1    also profile a dispatch (cProfile, SQL statements by shape) on a copy
#                               of the database, into bench/results/collectors/profile-N-dispatch-*
#   BENCH_PROFILE_REQUESTS=10   profiled kanban loads per size, into profile-N-ORDERS-* (0: none)
#   BENCH_KEEP=1                keep the benchmark databases (benchcol_*)
#   BENCH_HTTP_PORT=8669        port written into the benchmark's Odoo config (no server is started)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_setup benchcol "${BENCH_HTTP_PORT:-8669}" "$BENCH_DIR/results/collectors" "50000" "$@"
[ "$DATE" = "$(date +%F)" ] || die "BENCH_DATE must be today: the scheduled dispatch dates its orders today"
COLLECTORS=${BENCH_COLLECTORS:-200}
REQUESTS=${BENCH_REQUESTS:-30}
PROFILE_DISPATCH=${BENCH_PROFILE_DISPATCH:-1}
PROFILE_REQUESTS=${BENCH_PROFILE_REQUESTS:-10}
BASE_DB=benchcol_base

bench() { "$PYTHON" "$BENCH_DIR/bench_collectors.py" -c "$ODOO_CONF" "$@"; }

say "Installing fee_collection into $BASE_DB"
created "$BASE_DB"
install_db "$ODOO_CONF" "$BASE_DB" fee_collection

for N in "${SIZES[@]}"; do
    DB=benchcol_$N
    created "$DB"
    copy_db "$BASE_DB" "$DB"
    say "N=$N: generating the data ($DATE, $COLLECTORS collectors)"
    bench -d "$DB" generate --n "$N" --collectors "$COLLECTORS" --date "$DATE"
    if [ "$PROFILE_DISPATCH" = 1 ]; then
        say "N=$N: profiling a dispatch on a copy (not a timing)"
        created "${DB}_profile"
        copy_db "$DB" "${DB}_profile"
        bench -d "${DB}_profile" dispatch --n "$N" --date "$DATE" \
            --out "$OUT/profile-$N-dispatch.json" --profile "$OUT/profile-$N"
        drop_case_db "${DB}_profile"
        say "Profiles: $OUT/profile-$N-{dispatch,again}-{cumulative,tottime,statements}.txt"
    fi
    say "N=$N: dispatch, then again"
    bench -d "$DB" dispatch --n "$N" --date "$DATE" --out "$OUT/fee-$N-dispatch.json"
    read -ra ORDERS <<< "${BENCH_ORDERS:-$N $((10 * N))}"
    for orders in "${ORDERS[@]}"; do
        say "N=$N: $orders orders in the database"
        bench -d "$DB" history --orders "$orders" --date "$DATE"
        say "N=$N, $orders orders: My Orders, $REQUESTS collectors"
        bench -d "$DB" kanban --n "$N" --date "$DATE" --requests "$REQUESTS" \
            --out "$OUT/fee-$N-kanban-$orders.json"
        if [ "$PROFILE_REQUESTS" -gt 0 ]; then
            say "N=$N, $orders orders: profiling $PROFILE_REQUESTS loads (not a timing)"
            bench -d "$DB" kanban --n "$N" --date "$DATE" --requests "$PROFILE_REQUESTS" \
                --out "$OUT/profile-$N-$orders.json" --profile "$OUT/profile-$N-$orders"
        fi
    done
    drop_case_db "$DB"
done

results_table bench_collectors.py "$DATE"
