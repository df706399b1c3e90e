#!/usr/bin/env bash
# Online payment benchmark: a payment provider's notification of a subscriber's payment, from its
# arrival to the receipt booked (dunning's reaction included), beside Odoo's own handling of a
# transaction of no subscriber; and notifications sent twice at once.
#
#   bash bench/bench_online.sh               # N = 200 notifications of each kind (about 8 minutes on 2 cores)
#   bash bench/bench_online.sh 50 500        # any list of N
#
# For each N it builds a database with fee_collection and payment_demo installed (no demo data): the
# demo provider in test mode, published, in a bank journal of its own; 2N + BENCH_TWINS subscribers
# with one invoice of 30.00 each, overdue, at the first level of a dunning policy; a draft transaction
# of the demo provider per invoice, as the pay page starts it (N + BENCH_TWINS of subscribers, N of
# no subscriber: Odoo's own). Then, each a request (a new transaction and environment, up to its
# commit) of the public user in sudo mode, as the provider's webhook runs, in turn, after 3 warm-up
# ones of each:
#   online             the notification of a subscriber's payment: transaction done, receipt
#                      booked in the provider's journal, dunning level lowered
#   again              the same notification again (books nothing)
#   post-process       the post-processing the status page or the scheduler runs
#   odoo               the notification of a transaction of no subscriber
#   odoo post-process  its post-processing, where Odoo makes its payment
# and reports the median and 95th percentile of time and queries, counted as bench/harness.py does
# for every benchmark. Last, the twins: two processes each send the notification of each of
# BENCH_TWINS transactions at once, through Odoo's retry of a request that hits a lock or a
# serialization failure; the check is one receipt per transaction. It prints the tables (also
# written to bench/results/online/table.md, raw figures beside them as JSON).
#
# Environment:
#   BENCH_DATE=YYYY-MM-DD    the date of the notifications (default today); invoices 30 days overdue
#   BENCH_TWINS=50           transactions notified twice at once (0: none)
#   BENCH_PROFILE=1          also profile the requests (cProfile and SQL statements by shape with the
#                            code that runs them) on another copy, into bench/results/online/profile-N-*
#   BENCH_KEEP=1             keep the benchmark databases (benchonl_*)
#   BENCH_HTTP_PORT=8869     port written into the benchmark's Odoo config (no server is started)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_setup benchonl "${BENCH_HTTP_PORT:-8869}" "$BENCH_DIR/results/online" "200" "$@"
TWINS=${BENCH_TWINS:-50}
PROFILE=${BENCH_PROFILE:-0}
BASE_DB=benchonl_base

bench() { "$PYTHON" "$BENCH_DIR/bench_online.py" -c "$ODOO_CONF" "$@"; }

say "Installing fee_collection and payment_demo into $BASE_DB"
created "$BASE_DB"
install_db "$ODOO_CONF" "$BASE_DB" fee_collection,payment_demo

for N in "${SIZES[@]}"; do
    DATA_DB=benchonl_${N}_data
    DB=benchonl_$N
    created "$DATA_DB" "$DB"
    copy_db "$BASE_DB" "$DATA_DB"
    say "N=$N: generating $((2 * N + TWINS)) subscribers, invoices and transactions ($DATE)"
    bench -d "$DATA_DB" generate --n "$N" --twins "$TWINS" --date "$DATE"
    copy_db "$DATA_DB" "$DB"
    say "N=$N: notifications"
    bench -d "$DB" notify --n "$N" --date "$DATE" --out "$OUT/fee-$N-notify.json"
    drop_case_db "$DB"
    if [ "$PROFILE" = 1 ]; then
        copy_db "$DATA_DB" "$DB"
        say "N=$N: profiling the notifications (not a timing)"
        bench -d "$DB" notify --n "$N" --date "$DATE" --out "$OUT/profile-$N.json" \
            --profile "$OUT/profile-$N"
        say "Profiles: $OUT/profile-$N-*-{cumulative,tottime,statements}.txt"
        drop_case_db "$DB"
    fi
    drop_case_db "$DATA_DB"
done

results_table bench_online.py "$DATE"
