"""Agents benchmark: the settlement of agent outlets, and a collection at an outlet beside a
payment at the counter.

Driven by ``bench_agents.sh`` (read its header first); each sub-command works on one
database that has the add-on installed:

    bench_agents.py -c CONF -d DB generate --agents A --receipts R --samples S --date D
        A agent outlets (代办网点; their commission by percentage, per receipt and by tiers
        in turn, a credit limit far above what they hold), a counter clerk each (portal
        user of Agent Outlet Staff), and R receipts of each outlet in the four weeks up to
        D: A x R subscribers, each with a service and one invoice of 30.00 paid by an
        agent receipt in the agents' journal (the agent clearing account). Besides, S
        subscribers with 12 open invoices of 30.00 (monthly up to D), for the collections
        measured; a cashier (bench_cashier), an accountant (bench_accountant) and a
        manager (bench_manager). One template of each record (invoice, agent receipt with
        its payment and reconciliation) is made through the ORM, the copies by SQL (all
        columns of the template row, ids, names, numbers, dates, partners, outlets and
        clerks replaced), so that they are what Odoo would have written.
    bench_agents.py -c CONF -d DB collections --payments P --date D --out JSON
        P collections of different subscribers with 12 open invoices per system, each a
        request (new cursor and environment, committed), taken in turn:
          agent            an outlet's clerk (the first 3 outlets in turn, one warmed up
                           each): res.partner._fee_collect(360.00, the agents' journal,
                           channel="agent", agent=the outlet), in the clerk's own
                           environment (the rights, the outlet's state and credit limit
                           checked, booked as system)
          portal           the same clerks on the portal, where the add-on has its
                           controller: an Odoo server started on the database (the
                           config's HTTP port), GET /my/agent/collect?service_number=
                           (portal-lookup) then the form POSTed (portal); their time and
                           queries are the server's, read from its log
          counter-collect  the cashier: res.partner._fee_collect(360.00, cash journal),
                           in the cashier's open session
          counter          the cashier's counter form, as bench_counter.py measures it:
                           fee.counter.payment.create({"search_text": service number}),
                           action_pay()
        after a few warm-up requests of each. --profile P / --statements P profile them.
    bench_agents.py -c CONF -d DB settle --date D --out JSON
        The accountant makes the settlements of all the outlets up to D
        (fee.agent.settlement._fee_generate, phase "generate") and submits them
        (action_submit, phase "submit"); a manager approves them, which posts them
        (action_approve, phase "approve": each settlement's entry and commission bill,
        reconciled, then credit control), each phase timed up to its commit. Checks:
        one settlement per outlet, every receipt settled once, the amounts, commission
        and what each outlet must remit, the agent clearing account emptied.
    bench_agents.py table JSON...
        the tables (Markdown).

Timing, query counting and profiles are the harness's (``harness.py``).
"""

import datetime
import re
import subprocess
import sys
import time
from pathlib import Path

import harness

AMOUNT = 30.0
SAMPLE_MONTHS = 12  # open invoices of a subscriber whose collection is measured
PERIOD_DAYS = 28  # the receipts of an outlet are spread over the four weeks up to D
CASHIER = "bench_cashier"
ACCOUNTANT = "bench_accountant"
MANAGER = "bench_manager"
OUTLET = "Bench Outlet "
CREDIT_LIMIT = 10_000_000.0
TIERS = [(0.0, 1.5), (20_000.0, 2.0), (50_000.0, 2.5)]
WARM_UP = 3  # requests of each system before the measured ones
SYSTEMS = {
    "agent": "agent outlet: _fee_collect as its clerk (portal user)",
    "portal": "agent outlet: the portal's POST /my/agent/collect (server)",
    "portal-lookup": "agent outlet: the portal's GET /my/agent/collect?service_number= "
    "(server)",
    "counter-collect": "counter: _fee_collect as the cashier",
    "counter": "counter form: fee.counter.payment as the cashier",
}
PORTAL_CONTROLLER = "odoo.addons.fee_collection.controllers.portal_agent"
SERVER_START_S = 300  # the longest a server takes to answer its first request
TARGET_SECONDS = 30.0  # the settlement of 100 outlets of 1,000 receipts, all phases

# ----------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------


def make_outlets(env, count):
    """``count`` outlets with their terms, and a clerk each."""
    from odoo import Command

    terms = [
        {"agent_commission_type": "percent", "agent_commission_rate": 2.0},
        {"agent_commission_type": "fixed", "agent_commission_fixed": 0.5},
        {
            "agent_commission_type": "tiered",
            "agent_commission_tier_ids": [
                Command.create({"volume_from": volume, "rate": rate})
                for volume, rate in TIERS
            ],
        },
    ]
    outlets = env["res.partner"].create(
        [
            {
                "name": f"{OUTLET}{index:03d}",
                "is_company": True,
                "is_fee_agent": True,
                "company_id": env.company.id,
                "agent_credit_limit": CREDIT_LIMIT,
                "agent_settlement_frequency": "monthly" if index % 2 else "weekly",
                **terms[index % len(terms)],
            }
            for index in range(count)
        ]
    )
    group = env.ref("fee_collection.group_fee_agent")
    clerks = (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            [
                {
                    "name": f"Bench Clerk {index:03d}",
                    "login": f"bench_clerk_{index:03d}",
                    "password": f"bench_clerk_{index:03d}",
                    "email": f"bench_clerk_{index:03d}@example.com",
                    "company_id": env.company.id,
                    "company_ids": [Command.set(env.company.ids)],
                    "groups_id": [Command.set(group.ids)],
                    "parent_id": outlet.id,
                }
                for index, outlet in enumerate(outlets)
            ]
        )
    )
    for clerk, outlet in zip(clerks, outlets, strict=True):
        assert clerk.partner_id.commercial_partner_id == outlet, clerk.partner_id
        assert clerk.share, clerk
    return outlets, clerks


def make_templates(env, date, outlets, clerks):
    """Through the ORM: a template subscriber with an open invoice and one paid at the
    first outlet by its clerk (receipt, payment, reconciliation); the office's users."""
    company = env.company
    paid_date = date - datetime.timedelta(days=45)
    _product, partner, subscription, invoices = harness.template_subscriber(
        env, paid_date, AMOUNT, invoices=2
    )
    for name, login, group in (
        ("Bench Cashier", CASHIER, "group_fee_cashier"),
        ("Bench Accountant", ACCOUNTANT, "group_fee_accountant"),
        ("Bench Manager", MANAGER, "group_fee_manager"),
    ):
        harness.bench_user(env, name, login, f"fee_collection.{group}")
    # The counter's look-up reads the payment methods' labels in Chinese too.
    env["res.lang"]._activate_lang("zh_CN")
    open_invoice, paid_invoice = invoices
    journal = company.fee_agent_journal_id
    assert journal, "the company has no agents' journal"
    receipt = partner._fee_collect(
        AMOUNT,
        journal,
        channel="agent",
        agent=outlets[0],
        invoices=paid_invoice,
        date=date,
        user=clerks[0],
    )
    env.flush_all()
    assert paid_invoice.payment_state in ("paid", "in_payment"), paid_invoice
    assert open_invoice.payment_state == "not_paid", open_invoice.payment_state
    assert receipt.name.startswith(f"SK/{date.year}/"), receipt.name
    t = harness.receipt_templates(env, partner, subscription, invoices, receipt)
    clearing = t["liquidity"]
    assert clearing.account_id == company.fee_agent_clearing_account_id, clearing
    return t


def generate(env, args):
    agents, per_agent, samples, date = (
        args.agents,
        args.receipts,
        args.samples,
        args.date,
    )
    cr = env.cr
    if env["res.partner"].search_count([("name", "=like", f"{OUTLET}%")]):
        raise SystemExit("generate: this database already has bench outlets")
    started = time.perf_counter()
    outlets, clerks = make_outlets(env, agents)
    t = make_templates(env, date, outlets, clerks)
    paid = agents * per_agent
    cr.execute(
        f"""
        CREATE TEMP TABLE bench_partner ON COMMIT DROP AS
        SELECT s AS i, {harness.padded("s", 6)} AS num,
               nextval('res_partner_id_seq') AS partner_id,
               nextval('fee_subscription_id_seq') AS subscription_id,
               s > %(paid)s AS sample,
               (%(outlets)s::int[])[1 + mod(s - 1, %(agents)s)] AS agent_id,
               (%(clerks)s::int[])[1 + mod(s - 1, %(agents)s)] AS clerk_id
          FROM generate_series(1, %(paid)s + %(samples)s) s;
        CREATE TEMP TABLE bench_gen ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY p.i, k) AS i, p.partner_id,
               p.subscription_id, p.num, NOT p.sample AS paid, p.agent_id, p.clerk_id,
               CASE WHEN p.sample
                    THEN (date_trunc('month', %(date)s::date)
                          - (k - 1) * interval '1 month')::date
                    ELSE %(paid_date)s::date END AS invoice_date,
               CASE WHEN p.sample THEN NULL
                    ELSE %(date)s::date - mod(p.i, %(days)s)::int END AS pay_date
          FROM bench_partner p,
               generate_series(1, CASE WHEN p.sample THEN %(sample_months)s
                                       ELSE 1 END) k;
        ALTER TABLE bench_gen
            ADD COLUMN due date,
            {harness.PAID_COLUMNS};
        UPDATE bench_gen
           SET due = invoice_date + 15,
               move_id = nextval('account_move_id_seq'),
               product_line_id = nextval('account_move_line_id_seq'),
               term_line_id = nextval('account_move_line_id_seq');
        {harness.PAID_IDS};
        """,
        {
            "paid": paid,
            "samples": samples,
            "agents": agents,
            "outlets": outlets.ids,
            "clerks": clerks.ids,
            "date": date,
            "paid_date": t["paid"].invoice_date,
            "days": PERIOD_DAYS,
            "sample_months": SAMPLE_MONTHS,
        },
    )
    # Invoices and payments numbered as Odoo does, after the templates' numbers.
    harness.number_invoices_and_payments(cr, t)
    harness.number_receipts(cr, t["sequence"])
    counts = harness.clone_paid_subscribers(
        cr,
        t,
        subscriber={"agent_id": "g.agent_id"},
        receipt={"agent_id": "g.agent_id", "user_id": "g.clerk_id"},
    )
    harness.advance_sequence(cr, t["sequence"], counts["receipts"])
    cr.execute("DROP TABLE bench_gen; DROP TABLE bench_partner")
    env.invalidate_all()
    harness.analyze(env)
    seconds = time.perf_counter() - started
    verify(env, outlets, per_agent, counts)
    print(f"generate: {counts} in {seconds:.1f}s")


def verify(env, outlets, per_agent, counts):
    """The copies read like what Odoo writes: through the ORM, the receipts an outlet's
    clerk sees, what the outlet holds by the books, reconciliation and the counter's
    dues of a sampled subscriber."""
    company = env.company
    outlet = outlets[-1]
    clerk = outlet.agent_user_ids
    assert len(clerk) == 1, clerk
    receipts = env["fee.receipt"].with_user(clerk).search([])
    assert len(receipts) == per_agent, len(receipts)
    receipt = receipts[0].sudo()
    assert receipt.channel == "agent" and receipt.agent_id == outlet, receipt
    assert receipt.payment_id.state in ("in_process", "paid"), receipt.payment_id.state
    [invoice] = receipt.line_ids.move_id
    assert invoice.payment_state == "paid", invoice.payment_state
    assert invoice._get_reconciled_payments() == receipt.payment_id
    held = outlets._fee_get_unremitted(company)
    assert held[outlet.id] == per_agent * AMOUNT, held[outlet.id]
    assert held[outlets[0].id] == (per_agent + 1) * AMOUNT, held[outlets[0].id]
    samples = harness.sampled_subscribers(env, SAMPLE_MONTHS)
    assert samples, "no subscriber with 12 open invoices"
    number = harness.service_numbers(env, samples[:1])[samples[0]]
    counter = env["fee.counter.payment"].new({"search_text": number})
    assert counter.partner_id._origin.id == samples[0], counter.partner_id
    assert counter.total_due == SAMPLE_MONTHS * AMOUNT, counter.total_due
    counts["invoices"] = counts["open_invoices"] + counts["paid_invoices"]
    counts["sampled"] = len(samples)


def data_counts(env):
    """The size of the database the run measures on."""
    cr = env.cr
    counts = {}
    for key, query in (
        ("outlets", "SELECT count(*) FROM res_partner WHERE is_fee_agent"),
        ("subscribers", "SELECT count(*) FROM res_partner WHERE is_subscriber"),
        (
            "invoices",
            "SELECT count(*) FROM account_move WHERE move_type = 'out_invoice'",
        ),
        ("journal_items", "SELECT count(*) FROM account_move_line"),
        ("payments", "SELECT count(*) FROM account_payment"),
        ("receipts", "SELECT count(*) FROM fee_receipt"),
        (
            "agent_receipts",
            "SELECT count(*) FROM fee_receipt WHERE channel = 'agent'",
        ),
        (
            "unsettled",
            "SELECT count(*) FROM fee_receipt WHERE channel = 'agent'"
            " AND state = 'posted' AND settlement_id IS NULL",
        ),
    ):
        cr.execute(query)
        [(counts[key],)] = cr.fetchall()
    return counts


def outlets_of(env):
    return env["res.partner"].search(
        [("is_fee_agent", "=", True), ("name", "=like", f"{OUTLET}%")], order="name"
    )


def user(env, login):
    return env["res.users"].search([("login", "=", login)])


# ----------------------------------------------------------------------
# Collections, one request each
# ----------------------------------------------------------------------


def collections(env, args):
    company = env.company
    cash = company._fee_get_payment_journals().filtered(
        lambda journal: journal.fee_payment_method == "cash"
    )[:1]
    agent_journal = company.fee_agent_journal_id
    cashier = user(env, CASHIER)
    Session = env["fee.cash.session"].with_user(cashier)
    if not Session.search_count([("user_id", "=", cashier.id), ("state", "=", "open")]):
        Session.create({"opening_cash": 0.0})
    outlets = outlets_of(env)
    clerks = [outlet.agent_user_ids[:1] for outlet in outlets]
    logins = [clerk.login for clerk in clerks]

    def context_of(login_user):
        return {
            **env["res.users"].with_user(login_user).context_get(),
            "allowed_company_ids": company.ids,
        }

    cashier_context = context_of(cashier)
    clerk_context = context_of(clerks[0])
    systems = (
        args.systems.split(",")
        if args.systems
        else [
            "agent",
            # The portal's controller, where the add-on measured has one.
            *(["portal"] if PORTAL_CONTROLLER in sys.modules else []),
            "counter-collect",
            "counter",
        ]
    )
    per_system = args.payments + WARM_UP
    samples = harness.sampled_subscribers(env, SAMPLE_MONTHS)
    if len(samples) < per_system * len(systems):
        raise SystemExit(
            f"collections: {len(samples)} subscribers with 12 open invoices left, "
            f"{per_system * len(systems)} needed"
        )
    numbers = harness.service_numbers(env, samples)
    amount = SAMPLE_MONTHS * AMOUNT
    counts = data_counts(env)
    env.cr.commit()

    requests = harness.Requests(env.registry, args.profile, args.statements)

    def agent(partner_id, outlet_id):
        def collect(request_env):
            receipt = (
                request_env["res.partner"]
                .browse(partner_id)
                ._fee_collect(
                    amount,
                    request_env["account.journal"].browse(agent_journal.id),
                    channel="agent",
                    agent=request_env["res.partner"].browse(outlet_id),
                )
            )
            requests.step("collect")
            return receipt.id

        return collect

    def counter_collect(partner_id):
        def collect(request_env):
            receipt = (
                request_env["res.partner"]
                .browse(partner_id)
                ._fee_collect(amount, request_env["account.journal"].browse(cash.id))
            )
            requests.step("collect")
            return receipt.id

        return collect

    def counter(partner_id):
        return harness.counter_payment(requests, numbers[partner_id])

    portal = None
    if "portal" in systems:
        portal = Portal(args.config, env.cr.dbname, f"{args.out}.server.log")
    collected = {system: {} for system in systems}
    queue = iter(samples)
    # In turn, so that the systems share whatever the machine does meanwhile. The
    # outlets' collections are those of the first outlets in turn, one for each warm-up:
    # a clerk's first collection fills the caches of their rights, as a clerk at work
    # has them (the cashier's are filled by her warm-up).
    for index in range(per_system):
        for system in systems:
            partner_id = next(queue)
            if system == "portal":
                collected[system][partner_id] = portal.collect(
                    logins[index % WARM_UP],
                    numbers[partner_id],
                    amount,
                    keep=index >= WARM_UP,
                )
                continue
            if system == "agent":
                outlet = index % WARM_UP
                uid, context = clerks[outlet].id, {**clerk_context}
                operation = agent(partner_id, outlets[outlet].id)
            else:
                uid, context = cashier.id, cashier_context
                operation = (
                    counter_collect(partner_id)
                    if system == "counter-collect"
                    else counter(partner_id)
                )
            collected[system][partner_id] = requests(
                system, uid, context, operation, keep=index >= WARM_UP
            )
    requests.write_profiles()
    env.cr.rollback()  # a new snapshot, to see what the requests committed
    env.invalidate_all()
    result = requests.result(
        "collections",
        len(outlets),
        kind="collections",
        date=str(args.date),
        data=counts,
        payments=args.payments,
        warm_up=WARM_UP,
    )
    if portal:
        result["requests"].update(portal.stop())
    harness.check(result, check_collections(env, collected), "collections")
    return result


def check_collections(env, collected):
    """Every invoice of each subscriber paid by one receipt of 12 lines: an agent's in
    the agents' journal naming the outlet of its clerk, the counter's in the cashier's
    session."""
    problems = []
    company = env.company
    for system, by_partner in collected.items():
        for partner_id, receipt_id in by_partner.items():
            receipt = env["fee.receipt"].browse(receipt_id)
            invoices = receipt.line_ids.move_id
            if (
                receipt.partner_id.id != partner_id
                or len(invoices) != SAMPLE_MONTHS
                or set(invoices.mapped("payment_state")) - {"paid", "in_payment"}
                or receipt.balance_after
            ):
                problems.append(f"{system}: receipt {receipt.name} of {partner_id}")
            if system in ("agent", "portal") and (
                receipt.channel != "agent"
                or receipt.journal_id != company.fee_agent_journal_id
                or receipt.user_id.partner_id.commercial_partner_id != receipt.agent_id
            ):
                problems.append(f"agent: receipt {receipt.name} not the outlet's")
            if system.startswith("counter") and not receipt.cash_session_id:
                problems.append(f"{system}: receipt {receipt.name} without a session")
    return problems


class Portal:
    """An Odoo server on the database (one process, threaded, no cron), as an outlet's
    clerk reaches it with a browser: logged in, the look-up of the subscriber (GET
    /my/agent/collect?service_number=), then the form sent (POST, the CSRF token and
    the request key of the page, answered by a redirection to the receipt, not
    followed). The server's time and queries of each request are those its log gives
    (Odoo's werkzeug line: query count, SQL time, the rest), from the request's start
    in the server to its response; the round trip is timed by the client as well."""

    LINE = re.compile(
        r'"(GET|POST) /my/agent/collect[^"]*" (\d+) \S+ (\d+) ([\d.]+) ([\d.]+)'
    )
    CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
    KEY = re.compile(r'name="request_key" value="([^"]+)"')

    def __init__(self, conf, db, log):
        import requests

        from odoo.tools import config

        self.requests = requests
        self.log = Path(log)
        self.log.unlink(missing_ok=True)
        self.url = f"http://127.0.0.1:{config['http_port']}"
        self.db = db
        self.sessions = {}
        self.kept = []  # per collection: keep it, and the client's round trips
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import odoo.cli; odoo.cli.main()",
                "-c",
                conf,
                "-d",
                db,
                f"--db-filter=^{db}$",
                "--workers=0",
                "--max-cron-threads=0",
                "--log-level=info",
                f"--logfile={self.log}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started = time.monotonic()
        while True:
            try:
                if requests.get(f"{self.url}/web/login", timeout=30).ok:
                    break
            except requests.ConnectionError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped: see {self.log}")
            if time.monotonic() - started > SERVER_START_S:
                self.process.terminate()
                raise RuntimeError(f"the server did not answer: see {self.log}")
            time.sleep(1)

    def session(self, login):
        if login not in self.sessions:
            session = self.requests.Session()
            response = session.post(
                f"{self.url}/web/session/authenticate",
                json={
                    "jsonrpc": "2.0",
                    "params": {"db": self.db, "login": login, "password": login},
                },
                timeout=60,
            )
            response.raise_for_status()
            if response.json().get("error"):
                raise RuntimeError(f"{login} cannot log in: {response.json()}")
            self.sessions[login] = session
        return self.sessions[login]

    def collect(self, login, number, amount, keep=True):
        """The clerk ``login`` takes ``amount`` from the subscriber with service number
        ``number``; returns the id of the receipt."""
        session = self.session(login)
        started = time.perf_counter()
        page = session.get(
            f"{self.url}/my/agent/collect",
            params={"service_number": number},
            timeout=60,
        )
        looked_up = time.perf_counter()
        page.raise_for_status()
        csrf, key = self.CSRF.search(page.text), self.KEY.search(page.text)
        if not csrf or not key:
            raise RuntimeError(f"no collection form for {number}: {page.text[:300]}")
        response = session.post(
            f"{self.url}/my/agent/collect",
            data={
                "csrf_token": csrf.group(1),
                "service_number": number,
                "request_key": key.group(1),
                "amount": f"{amount:.2f}",
            },
            allow_redirects=False,
            timeout=60,
        )
        sent = time.perf_counter()
        receipt = re.search(
            r"/my/agent/receipts/(\d+)", response.headers.get("Location", "")
        )
        if response.status_code not in (302, 303) or not receipt:
            raise RuntimeError(
                f"the collection of {number} failed: {response.text[:300]}"
            )
        self.kept.append((keep, looked_up - started, sent - looked_up))
        return int(receipt.group(1))

    def stop(self):
        """Stop the server; the figures of the kept requests, as ``Requests.summary``
        gives them."""
        self.process.terminate()
        self.process.wait(timeout=60)
        lines = {"GET": [], "POST": []}
        for line in self.log.read_text().splitlines():
            found = self.LINE.search(line)
            if found:
                method, _status, queries, sql_s, rest_s = found.groups()
                lines[method].append(
                    harness.Figures(
                        float(sql_s) + float(rest_s), int(queries), float(sql_s), 0.0
                    )
                )
        if any(len(figures) != len(self.kept) for figures in lines.values()):
            raise RuntimeError(f"{self.log}: not one GET and one POST per collection")
        summaries = {}
        for name, method, client in (
            ("portal-lookup", "GET", 1),
            ("portal", "POST", 2),
        ):
            server = [
                figures
                for figures, (keep, *_times) in zip(
                    lines[method], self.kept, strict=True
                )
                if keep
            ]
            round_trips = [
                harness.Figures(times[client], 0, 0.0, 0.0)
                for times in self.kept
                if times[0]
            ]
            summaries[name] = {
                "count": len(server),
                **harness.distribution(server),
                "steps": {"round trip (client)": harness.distribution(round_trips)},
            }
        return summaries


# ----------------------------------------------------------------------
# Settlement
# ----------------------------------------------------------------------


def expected_settlements(env, outlets, date):
    """{outlet id: (receipts, amount)} of the receipts a settlement up to ``date`` has
    to take, and the volume of the month of ``date`` (tiered commission), by SQL."""
    env.cr.execute(
        """
        SELECT agent_id, count(*), sum(amount),
               sum(amount) FILTER (WHERE date >= date_trunc('month', %(date)s::date))
          FROM fee_receipt
         WHERE agent_id = ANY(%(outlets)s) AND channel = 'agent' AND state = 'posted'
           AND settlement_id IS NULL AND date <= %(date)s
         GROUP BY agent_id
        """,
        {"outlets": outlets.ids, "date": date},
    )
    return {row[0]: row[1:] for row in env.cr.fetchall()}


def commission(outlet, count, amount, volume):
    if outlet.agent_commission_type == "fixed":
        return round(outlet.agent_commission_fixed * count, 2)
    if outlet.agent_commission_type == "percent":
        rate = outlet.agent_commission_rate
    else:
        rate = max(rate for start, rate in TIERS if start <= (volume or 0))
    return round(amount * rate / 100, 2)


def settle(env, args):
    outlets = outlets_of(env)
    accountant, manager = user(env, ACCOUNTANT), user(env, MANAGER)
    expected = expected_settlements(env, outlets, args.date)
    counts = data_counts(env)
    Settlement = env["fee.agent.settlement"]
    measurement = harness.Measurement(env, args.profile, args.statements)
    settlements = measurement(
        "generate",
        lambda: Settlement.with_user(accountant)._fee_generate(outlets, args.date),
    )
    ids = settlements.ids
    measurement(
        "submit", lambda: Settlement.with_user(accountant).browse(ids).action_submit()
    )
    measurement(
        "approve", lambda: Settlement.with_user(manager).browse(ids).action_approve()
    )
    settlements = Settlement.browse(ids)
    receipts = sum(count for count, _amount, _volume in expected.values())
    result = measurement.result(
        "fee_collection",
        len(outlets),
        "settlement",
        len(ids),
        kind="settlement",
        date=str(args.date),
        data=counts,
        receipts=receipts,
    )
    result["target"] = result["seconds"] <= TARGET_SECONDS
    harness.check(result, check_settlements(env, settlements, expected), "settle")
    return result


def check_settlements(env, settlements, expected):
    """One posted settlement per outlet, of all its receipts, with the right amounts;
    the clearing account emptied of them; what each outlet owes by the books."""
    problems = []
    company = env.company
    if sorted(settlements.agent_id.ids) != sorted(expected):
        problems.append(f"{len(settlements)} settlements for {len(expected)} outlets")
    for settlement in settlements:
        count, amount, volume = expected.get(settlement.agent_id.id, (0, 0.0, 0.0))
        due = round(amount - commission(settlement.agent_id, count, amount, volume), 2)
        values = (
            settlement.state,
            settlement.receipt_count,
            len(settlement.receipt_ids),
            settlement.amount_collected,
            settlement.amount_to_remit,
            settlement.amount_due,
            settlement.move_id.state,
        )
        if values != ("posted", count, count, amount, due, due, "posted"):
            problems.append(f"{settlement.name}: {values}, expected {count}, {due}")
            break
    env.cr.execute(
        """
        SELECT count(*) FROM fee_receipt
         WHERE channel = 'agent' AND state = 'posted' AND settlement_id IS NULL
        """
    )
    [(left,)] = env.cr.fetchall()
    if left:
        problems.append(f"{left} agent receipts not settled")
    env.cr.execute(
        """
        SELECT COALESCE(sum(balance), 0) FROM account_move_line
         WHERE account_id = %s AND parent_state = 'posted'
        """,
        [company.fee_agent_clearing_account_id.id],
    )
    [(clearing,)] = env.cr.fetchall()
    if round(clearing, 2):
        problems.append(f"agent clearing account holds {clearing:.2f}")
    held = settlements.agent_id._fee_get_unremitted(company)
    wrong = [
        settlement.name
        for settlement in settlements
        if round(held.get(settlement.agent_id.id, 0.0) - settlement.amount_to_remit, 2)
    ]
    if wrong:
        problems.append(f"outlets holding other than their settlement: {wrong[:3]}")
    return problems


# ----------------------------------------------------------------------
# Command line and report
# ----------------------------------------------------------------------


def generate_arguments(parser):
    parser.add_argument("--agents", type=int, required=True)
    parser.add_argument("--receipts", type=int, required=True)
    parser.add_argument("--samples", type=int, default=250)
    parser.add_argument("--date", type=datetime.date.fromisoformat, required=True)


def collections_arguments(parser):
    harness.run_arguments(parser)
    parser.add_argument("--payments", type=int, default=50)
    parser.add_argument(
        "--systems",
        help="comma-separated, of agent, portal (the server's GET and POST), "
        "counter-collect, counter (default: all, portal where the add-on has it)",
    )


def settle_arguments(parser):
    harness.run_arguments(parser)


def ms(value):
    return f"{1000 * value:,.0f}"


def report(rows):
    for row in sorted(rows, key=lambda row: (row["kind"] != "settlement", row["n"])):
        if row["kind"] == "settlement":
            settlement_table(row)
        else:
            collections_table(row)


def settlement_table(row):
    data = row["data"]
    print(
        f"{row['n']:,} outlets, {row['receipts']:,} receipts to settle "
        f"({data['agent_receipts']:,} agent receipts, {data['journal_items']:,} journal "
        f"items in the database); load average {row['load_average'][0]:.1f}; checks: "
        f"{'; '.join(row['problems']) or 'ok'}."
    )
    print()
    phases = [("total", row)] + [
        (name, {**figures, "units": row["units"]})
        for name, figures in row["phases"].items()
    ]
    harness.print_table(
        phases,
        [
            ("phase", lambda item: item[0]),
            ("seconds", lambda item: f"{item[1]['seconds']:,.1f}"),
            ("queries", lambda item: f"{item[1]['queries']:,}"),
            (
                "queries/settlement",
                lambda item: f"{item[1]['queries'] / row['units']:,.1f}",
            ),
            (
                "ms/receipt",
                lambda item: f"{1000 * item[1]['seconds'] / row['receipts']:.3f}",
            ),
            ("SQL s", lambda item: f"{item[1]['sql_s']:,.1f}"),
            ("Python CPU s", lambda item: f"{item[1]['cpu_s']:,.1f}"),
        ],
    )
    print(
        f"\n- all phases under {TARGET_SECONDS:g} s: "
        f"{'met' if row['target'] else 'NOT MET'} ({row['seconds']:,.1f} s)\n"
    )


def collections_table(row):
    data = row["data"]
    print(
        f"{row['n']:,} outlets, {data['agent_receipts']:,} agent receipts "
        f"({data['unsettled']:,} not settled), {data['subscribers']:,} subscribers, "
        f"{data['journal_items']:,} journal items. {row['payments']} collections of 12 "
        f"open invoices each per system (a subscriber each), after {row['warm_up']} "
        f"warm-up ones; load average {row['load_average'][0]:.1f}; checks: "
        f"{'; '.join(row['problems']) or 'ok'}."
    )
    print()

    def steps(item):
        return ", ".join(
            f"{label} {ms(step['seconds']['median'])} / {step['queries']['median']:g}"
            for label, step in item[1]["steps"].items()
        )

    harness.print_table(
        sorted(
            row["requests"].items(),
            key=lambda item: list(SYSTEMS).index(item[0]),
        ),
        [
            ("system", lambda item: SYSTEMS.get(item[0], item[0])),
            ("collections", lambda item: str(item[1]["count"])),
            ("median ms", lambda item: ms(item[1]["seconds"]["median"])),
            ("p95 ms", lambda item: ms(item[1]["seconds"]["p95"])),
            ("median queries", lambda item: f"{item[1]['queries']['median']:g}"),
            ("p95 queries", lambda item: str(item[1]["queries"]["p95"])),
            ("median SQL ms", lambda item: ms(item[1]["sql_s"]["median"])),
            ("steps: median ms / queries", steps),
        ],
    )
    print()


if __name__ == "__main__":
    harness.main(
        __doc__,
        {
            "generate": (generate_arguments, generate),
            "collections": (collections_arguments, collections),
            "settle": (settle_arguments, settle),
        },
        report,
    )
