#!/usr/bin/env bash
# Agents benchmark: the settlement of agent outlets (代办网点), and a collection at an outlet beside a
# payment at the counter.
#
#   bash bench/bench_agents.sh               # 100 outlets of 1,000 receipts each (about 10 minutes on 2 cores)
#   bash bench/bench_agents.sh 10            # any list of numbers of outlets (BENCH_RECEIPTS each)
#
# For each number of outlets A it builds a database with fee_collection installed (no demo data)
# with A outlets (commission by percentage, per receipt and by tiers in turn; a credit limit far
# above what they hold) and a counter clerk each (portal user, Agent Outlet Staff), and
# BENCH_RECEIPTS receipts of each outlet over the four weeks up to the date: A x BENCH_RECEIPTS
# subscribers, each with one invoice of 30.00 paid at an outlet (payment in the agents' journal, on
# the agent clearing account, reconciled); and BENCH_SAMPLES subscribers with 12 open invoices. At
# 100 x 1,000: 100,000 receipts, payments and paid invoices, about 420,000 journal items. Made by
# SQL from templates made through the ORM, then checked through the ORM (see bench/README.md).
# Then, on a copy of that database:
#   collections  BENCH_PAYMENTS collections per system of subscribers with 12 open invoices, each a
#                request (new cursor and environment, up to its commit), in turn after 3 warm-up
#                ones: an outlet's clerk through res.partner._fee_collect(channel="agent") in the
#                clerk's own environment (the first 3 outlets in turn, each holding its 1,000
#                receipts, each clerk warmed up by one of the warm-up collections); the
#                same through the portal, where the add-on has its controller: an Odoo server started
#                on the copy (BENCH_HTTP_PORT, one process, no cron), the clerk logged in, the look-up
#                (GET /my/agent/collect?service_number=) and the form sent (POST), their server time
#                and queries read from the server's log; the cashier through res.partner._fee_collect
#                at the counter; the cashier's counter form (fee.counter.payment, as bench_counter.sh
#                measures it). Median and 95th percentile of time and queries.
#   settle       the accountant makes the settlements of all outlets up to the date
#                (_fee_generate, phase "generate") and submits them ("submit"); a manager approves
#                them, which posts them ("approve"); each phase timed up to its commit, checked.
# With BENCH_PROFILE=1, the settlement again on another copy, profiled (cProfile and SQL statements
# by shape with the code that runs them) into bench/results/agents/profile-A-*. Timing and query
# counting are bench/harness.py's, as for every benchmark. It prints the tables (also written to
# bench/results/agents/table.md, raw figures beside them as JSON).
#
# Environment:
#   BENCH_DATE=YYYY-MM-DD    the date of the settlements and of the last receipts (default today)
#   BENCH_RECEIPTS=1000      receipts of each outlet
#   BENCH_SAMPLES=250        subscribers with 12 open invoices (4 x (BENCH_PAYMENTS + 3) are needed)
#   BENCH_PAYMENTS=50        measured collections per system
#   BENCH_PROFILE=1          also profile the settlement on a copy
#   BENCH_KEEP=1             keep the benchmark databases (benchagt_*)
#   BENCH_HTTP_PORT=8769     port of the server the portal's collections are measured on
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_setup benchagt "${BENCH_HTTP_PORT:-8769}" "$BENCH_DIR/results/agents" "100" "$@"
RECEIPTS=${BENCH_RECEIPTS:-1000}
SAMPLES=${BENCH_SAMPLES:-250}
PAYMENTS=${BENCH_PAYMENTS:-50}
PROFILE=${BENCH_PROFILE:-1}
BASE_DB=benchagt_base

bench() { "$PYTHON" "$BENCH_DIR/bench_agents.py" -c "$ODOO_CONF" "$@"; }

say "Installing fee_collection into $BASE_DB"
created "$BASE_DB"
install_db "$ODOO_CONF" "$BASE_DB" fee_collection

for A in "${SIZES[@]}"; do
    DATA_DB=benchagt_${A}_data
    DB=benchagt_$A
    created "$DATA_DB" "$DB"
    copy_db "$BASE_DB" "$DATA_DB"
    say "A=$A: generating $A outlets of $RECEIPTS receipts ($DATE)"
    bench -d "$DATA_DB" generate --agents "$A" --receipts "$RECEIPTS" --samples "$SAMPLES" \
        --date "$DATE"
    copy_db "$DATA_DB" "$DB"
    say "A=$A: collections ($PAYMENTS per system)"
    bench -d "$DB" collections --n "$A" --date "$DATE" --payments "$PAYMENTS" \
        --out "$OUT/fee-$A-collections.json"
    say "A=$A: settlement of the $A outlets"
    bench -d "$DB" settle --n "$A" --date "$DATE" --out "$OUT/fee-$A-settle.json"
    drop_case_db "$DB"
    if [ "$PROFILE" = 1 ]; then
        copy_db "$DATA_DB" "$DB"
        say "A=$A: profiling the settlement (not a timing)"
        bench -d "$DB" settle --n "$A" --date "$DATE" --out "$OUT/profile-$A.json" \
            --profile "$OUT/profile-$A"
        say "Profiles: $OUT/profile-$A-*-{cumulative,tottime,statements}.txt"
        drop_case_db "$DB"
    fi
    drop_case_db "$DATA_DB"
done

results_table bench_agents.py "$DATE"
