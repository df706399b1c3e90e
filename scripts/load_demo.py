"""Demo data and six months of history for fee_collection, run by ``odoo shell``.

    odoo shell -c odoo.conf -d DB < scripts/load_demo.py

scripts/demo runs it on a fresh database with l10n_cn and fee_collection installed. It loads
the demo records (fee_collection/demo/*.xml), fits them to the Chinese operator (VAT rates of
the Chinese chart, Chinese names for Chinese-speaking users, an e-wallet journal), then plays
the last six months of the office in date order through the add-on's public API, each step
done by the demo user whose job it is:

- a billing run on the 1st of every month (accountant);
- payments at the counter in cash or by WeChat Pay/Alipay (cashier, receipts in a cash
  session a day, handed over every evening and validated by the accountant, once 2.00
  short) and bank transfers (accountant): most subscribers pay within days, some always
  late, some only part, some stopped paying at various points (so that arrears of every
  age exist), two pay in advance; the cashier's last session is still open;
- services suspended or closed on request (manager);
- dunning runs on the 15th and 25th (accountant), whose phone calls and visits the collectors
  then work: promises, refusals, unreachable subscribers, a disputed bill;
- today's dunning run computed but not executed, as a preview to look at;
- the paper receipts of a power cut (demo/paper_receipts_sample.csv), checked and waiting
  to be posted.

Deterministic (seeded): the same history every time, relative to the day it runs.
Commits at the end and prints a summary.
"""

import base64
import gc
import heapq
import random
from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz
from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import Command, fields
from odoo.tools import convert_file, file_path, float_round

MODULE = "fee_collection"
DEMO_FILES = ["demo/fee_collection_demo.xml", "demo/fee_subscriber_demo.xml"]
MONTHS = 6  # months of history, the current one included
SHANGHAI = pytz.timezone("Asia/Shanghai")

# Chinese for the records whose names are in English in the demo files.
ZH_CN = {
    "fee_item_cable_tv_demo": {
        "name": "有线电视月租",
        "description_sale": "数字电视基本收视包，一台机顶盒。",
    },
    "fee_item_broadband_demo": {
        "name": "宽带月租（100M）",
        "description_sale": "有线网络家庭宽带，100兆。",
    },
    "fee_item_property_demo": {
        "name": "物业费（按面积，季度）",
        "description_sale": "每月每平方米1.50元，按季度收取。",
    },
    "fee_item_parking_demo": {
        "name": "停车费（月租）",
        "description_sale": "小区地下车位。",
    },
    "fee_pricelist_standard_demo": {"name": "标准资费"},
    "fee_pricelist_senior_demo": {"name": "老年优惠（70岁以上）"},
    "fee_pricelist_low_income_demo": {"name": "低保减免"},
    "fee_payment_term_end_of_month_demo": {
        "name": "当月月底前缴清",
        "note": "账单须在出账当月月底前缴清。",
    },
}
# Two demo users work in Chinese, the others in English.
USER_LANGS = {
    "user_fee_manager_demo": "en_US",
    "user_fee_accountant_demo": "en_US",
    "user_fee_cashier_demo": "zh_CN",
    "user_fee_collector_demo": "zh_CN",
    "user_fee_collector2_demo": "en_US",
}
# VAT on the fee items (prices include it): 6% on cable TV, broadband and property
# services, 9% on parking (lease of immovable property).
VAT = {
    "fee_item_cable_tv_demo": "l10n_cn_sales_excluded_6",
    "fee_item_broadband_demo": "l10n_cn_sales_excluded_6",
    "fee_item_property_demo": "l10n_cn_sales_excluded_6",
    "fee_item_parking_demo": "l10n_cn_sales_excluded_9",
}

# How the subscribers pay, by subscriber number; everyone else pays within days.
# Stopped paying from month k on (0 = the first bill), so that arrears of every age exist,
# and why (fee.arrears.reason).
STOPPED = {
    38: (0, "malicious"),
    46: (0, "unreachable"),
    17: (1, "malicious"),
    27: (1, "unable"),
    43: (2, "unable"),
    52: (2, "malicious"),
    11: (3, "unable"),
    19: (3, "forgot"),
    29: (3, "unreachable"),
    37: (3, "unreachable"),
    45: (3, "malicious"),
    32: (4, "forgot"),
    48: (4, "unable"),
}
# Stopped paying at month k, were suspended, then paid everything on day d of month m.
RECOVERED = {25: (0, 4, 8, "unable"), 15: (1, 4, 20, "forgot")}
LATE = {13, 20, 28, 34, 44, 50, 54}  # chronic late payers: 5 to 9 weeks after the bill
SLOW_BUSINESS = {59}  # pays a few weeks after the due date
PARTIAL = {22, 36, 41, 49}  # pays part of every bill
PREPAID = {6: 3000.0, 40: 600.0}  # paid in advance; the bills are settled from it
EXEMPT = {60: [2]}  # street office (red list): pays every few months only
DISPUTED = {31: (2, "用户称当月信号中断近一周，要求减免，拒付该月账单。")}
CREDITED = {42: (1, "机顶盒故障停播十天，经核实减免半月收视费。")}
# Services changed on request: (month index, day, service, action, reason).
SERVICE_CHANGES = [
    (1, 18, "fee_service_047_tv_demo", "disconnect", None),  # moved away
    (2, 3, "fee_service_047_tv_demo", "close", None),
    (2, 20, "fee_service_039_tv_demo", "disconnect", None),  # moved to a care home
    (3, 5, "fee_service_039_tv_demo", "close", None),
    (3, 10, "fee_service_016_tv_demo", "suspend", "用户申请报停：去外地子女家居住半年"),
    (4, 6, "fee_service_033_bb_demo", "suspend", "用户申请暂停宽带：子女外出务工"),
    (4, 12, "fee_service_026_bb_demo", "disconnect", None),  # switched provider
]

CALL_NOTES = {
    "promise": "用户称忘记缴费，答应{date}前缴清。",
    "refused": "用户拒绝缴费，称收视效果差、不愿再交。",
    "unable": "用户称家庭困难，暂时无力缴费。",
    "unreachable": "多次拨打无人接听，上门家中无人。",
    "disputed": "用户对账单有异议，已转营业厅核实。",
    "partial": "用户当场表示先交一部分，其余下月补齐。",
    "no_answer": "电话无人接听。",
    "not_home": "上门催缴，家中无人，已留缴费通知单。",
}


def reason_of(number):
    """Why a subscriber does not pay on time (code of a fee.arrears.reason)."""
    if number in STOPPED:
        return STOPPED[number][1]
    if number in RECOVERED:
        return RECOVERED[number][3]
    if number in DISPUTED:
        return "disputed"
    if number in PARTIAL:
        return "unable"
    return "forgot"


class DemoHistory:
    def __init__(self, env):
        self.env = env
        self.company = env.ref("base.main_company")
        self.today = fields.Date.context_today(env.user)
        self.months = [
            self.today + relativedelta(months=k - MONTHS + 1, day=1)
            for k in range(MONTHS)
        ]
        self.rng = random.Random(20261122)
        self.users = {}
        self.user_envs = {}
        self.events = []  # heap of (date, priority, sequence, function, args)
        self.sequence = 0
        self.payment_plan = defaultdict(list)  # partner -> [payment dates]
        self.runs = {"billing": 0, "dunning": 0}

    def env_of(self, user):
        """The environment of a demo user at work: their rights, language and time zone."""
        if user not in self.user_envs:
            context = dict(self.env.context, lang=user.lang, tz=user.tz)
            self.user_envs[user] = self.env(user=user, su=False, context=context)
        return self.user_envs[user]

    def ref(self, xmlid):
        return self.env.ref(f"{MODULE}.{xmlid}")

    def subscriber(self, number):
        return self.ref(f"fee_subscriber_{number:03d}_demo")

    # ------------------------------------------------------------------
    # Demo records
    # ------------------------------------------------------------------

    def load_records(self):
        if self.env.ref(f"{MODULE}.fee_subscriber_001_demo", raise_if_not_found=False):
            raise SystemExit("The demo data is already loaded in this database.")
        Message = self.env["mail.message"]
        last_message_id = Message.search([], order="id desc", limit=1).id
        for filename in DEMO_FILES:
            convert_file(
                self.env,
                MODULE,
                filename,
                idref={},
                mode="init",
                noupdate=True,
                kind="demo",
            )
        self.users = {
            role: self.ref(f"user_fee_{role}_demo")
            for role in ("manager", "accountant", "cashier", "collector", "collector2")
        }
        # The records were entered before the first billing, the services when they started.
        self.env.flush_all()
        self.env.cr.precommit.run()
        messages = Message.search([("id", ">", last_message_id)])
        on_services = messages.filtered(lambda m: m.model == "fee.subscription")
        (messages - on_services).date = self.moment(
            self.months[0] - timedelta(days=10), 8
        )
        for service_id, service_messages in on_services.grouped("res_id").items():
            start = self.env["fee.subscription"].browse(service_id).date_start
            if start <= self.today:
                service_messages.date = self.moment(start, 8)

    def localise(self):
        env = self.env
        chart = env["account.chart.template"].with_company(self.company)
        for xmlid, tax_xmlid in VAT.items():
            tax = chart.ref(tax_xmlid, raise_if_not_found=False)
            if tax:
                self.ref(xmlid).taxes_id = [Command.set(tax.ids)]
        # The counter's payment methods: cash, bank transfer, bank card, WeChat Pay, Alipay.
        journals = self.company._fee_get_payment_journals()
        by_code = {journal.code: journal for journal in journals}
        self.cash = journals.filtered(lambda j: j.fee_payment_method == "cash")[:1]
        self.bank = journals.filtered(lambda j: j.fee_payment_method == "transfer")[:1]
        self.epay = by_code["WXPAY"]
        self.alipay = by_code["ALIPY"]
        # Discounts are given through pricelists: show them.
        env["res.config.settings"].create({"group_product_pricelist": True}).execute()
        if not env["res.lang"]._lang_get("zh_CN"):
            return
        for xmlid, values in ZH_CN.items():
            self.ref(xmlid).with_context(lang="zh_CN").write(values)
        for journal, name in (
            (self.epay, "微信支付"),
            (self.alipay, "支付宝"),
            (by_code["CARD"], "银行卡"),
        ):
            journal.with_context(lang="zh_CN").name = name
        if self.cash.name == "Cash on Hand":
            self.cash.with_context(lang="zh_CN").name = "库存现金"
        for xmlid, lang in USER_LANGS.items():
            if env["res.lang"]._lang_get(lang):
                self.ref(xmlid).lang = lang
        partners = env["res.partner"].search(
            ["|", ("is_subscriber", "=", True), ("is_fee_agent", "=", True)]
        )
        partners.lang = "zh_CN"

    # ------------------------------------------------------------------
    # The plan: every event of the six months, then played in date order
    # ------------------------------------------------------------------

    def at(self, date, priority, function, *args):
        """Plan ``function(*args)`` on ``date`` (the past only); ``priority`` orders a day:
        billing, service changes, payments, collectors' work, dunning."""
        if date <= self.today:
            self.sequence += 1
            heapq.heappush(self.events, (date, priority, self.sequence, function, args))

    def moment(self, date, hour):
        """``hour`` o'clock in Shanghai on ``date``, as a UTC datetime for the database."""
        local = SHANGHAI.localize(datetime.combine(date, time(hour)))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    def number_of(self, partner):
        """Number of a demo subscriber (fee_subscriber_NNN_demo)."""
        return int(partner.get_external_id()[partner.id].split("_")[-2])

    def plan(self):
        for month in self.months:
            self.at(month, 0, self.bill, month)
            for day in (15, 25):
                self.at(month.replace(day=day), 9, self.dun, month.replace(day=day))
        for month_index, day, xmlid, action, reason in SERVICE_CHANGES:
            date = self.months[month_index].replace(day=day)
            self.at(date, 1, self.change_service, self.ref(xmlid), action, reason)
        for number in range(1, 61):
            self.plan_payments(number, self.subscriber(number))

    def plan_payments(self, number, partner):
        rng = self.rng
        journal = self.preferred_journal(partner)
        for index, month in enumerate(self.months):
            if number in STOPPED and index >= STOPPED[number][0]:
                continue
            if number in RECOVERED:
                stop, pay_month, pay_day, _reason = RECOVERED[number]
                if index == pay_month:
                    date = self.months[pay_month].replace(day=pay_day)
                    self.plan_payment(partner, date, date, journal)
                if index >= stop and index <= pay_month:
                    continue
            if number in PREPAID:
                if index == 0:
                    date = month + timedelta(days=2)
                    self.at(date, 2, self.prepay, partner, date, PREPAID[number])
                continue
            if number in EXEMPT:
                if index in EXEMPT[number]:
                    date = month + timedelta(days=19)
                    self.plan_payment(partner, date, month, self.bank)
                continue
            if number in DISPUTED and index == DISPUTED[number][0]:
                date = month + timedelta(days=12)
                self.at(date, 2, self.dispute, partner, month, DISPUTED[number][1])
                continue
            if number in CREDITED and index == CREDITED[number][0]:
                date = month + timedelta(days=10)
                self.at(date, 2, self.dispute, partner, month, CREDITED[number][1])
                date = month + timedelta(days=24)
                self.at(date, 2, self.credit, partner, month, date, CREDITED[number][1])
                self.plan_payment(partner, date + timedelta(days=2), month, journal)
                continue
            if number in LATE:
                date = month + timedelta(days=rng.randint(36, 64))
            elif number in SLOW_BUSINESS:
                date = month + relativedelta(months=1, days=rng.randint(5, 20))
            else:
                date = month + timedelta(days=rng.randint(1, 12))
            fraction = rng.uniform(0.4, 0.7) if number in PARTIAL else 1.0
            self.plan_payment(partner, date, month, journal, fraction)

    def plan_payment(self, partner, date, upto, journal, fraction=1.0):
        """On ``date``, the subscriber pays (part of) every open bill issued up to ``upto``."""
        self.payment_plan[partner].append(date)
        self.at(date, 2, self.pay, partner, date, upto, journal, fraction)

    def preferred_journal(self, partner):
        """The elderly pay cash at the counter, the young by WeChat or Alipay."""
        birth_year = int(partner.id_number[6:10]) if partner.id_number else 1975
        draw = self.rng.random()
        if birth_year < 1960:
            return self.cash if draw < 0.8 else self.epay
        if draw < 0.6:
            return self.epay if draw < 0.35 else self.alipay
        return self.bank if draw < 0.85 else self.cash

    def play(self):
        """Play the plan in date order. What each step writes in the chatter is dated back to
        the day it happened."""
        Message = self.env["mail.message"]
        last_message_id = Message.search([], order="id desc", limit=1).id
        played = 0
        while self.events:
            date, priority, _sequence, function, args = heapq.heappop(self.events)
            function(*args)
            self.env.flush_all()
            played += 1
            if played % 20 == 0:
                # As Odoo does after requests: free the environments left in reference
                # cycles, or every later step gets slower.
                gc.collect()
            self.env.cr.precommit.run()  # the tracking of a request, one step at a time
            messages = Message.search([("id", ">", last_message_id)])
            if messages:
                messages.date = self.moment(date, 9 + priority)
                last_message_id = max(messages.ids)

    # ------------------------------------------------------------------
    # What the users do
    # ------------------------------------------------------------------

    def bill(self, date):
        accountant = self.users["accountant"]
        run = (
            self.env["fee.billing.run"]
            .with_env(self.env_of(accountant))
            .create({"date": date})
        )
        run.action_run()
        self.runs["billing"] += 1
        for number in PREPAID:
            self.apply_credit(self.subscriber(number))

    def open_invoices(self, partner, upto):
        return self.env["account.move"].search(
            [
                ("partner_id", "=", partner.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("invoice_date", "<=", upto),
            ],
            order="invoice_date, id",
        )

    def pay(self, partner, date, upto, journal, fraction=1.0):
        invoices = self.open_invoices(partner, upto).filtered(
            lambda move: move.dispute_state != "disputed"
        )
        if not invoices:
            return
        due = sum(invoices.mapped("amount_residual"))
        amount = due if fraction >= 1 else max(10.0, float_round(due * fraction, 0))
        order = self.env["fee.collection.order"].search(
            [("partner_id", "=", partner.id), ("state", "=", "open")]
        )
        if order and journal != self.bank and self.rng.random() < 0.8:
            self.collect_in_field(order, date, min(amount, due))
            return
        if journal != self.bank:
            self.collect_at_counter(partner, date, min(amount, due), journal, invoices)
            return
        user = self.users["accountant"]
        wizard = (
            self.env["account.payment.register"]
            .with_env(self.env_of(user))
            .with_context(active_model="account.move", active_ids=invoices.ids)
            .create(
                {
                    "payment_date": date,
                    "journal_id": journal.id,
                    "amount": min(amount, due),
                    "group_payment": True,
                    "payment_difference_handling": "open",
                }
            )
        )
        wizard._create_payments()

    def collect_at_counter(self, partner, date, amount, journal, invoices=None):
        """The cashier takes the money at the counter, in the day's session."""
        session = self.cashier_session(date)
        with freeze_time(self.moment(date, 10)):
            return partner.with_env(self.env_of(self.users["cashier"]))._fee_collect(
                amount, journal, invoices=invoices, date=date, session=session
            )

    def collect_in_field(self, order, date, amount):
        """The subscriber pays the collector who calls on them: cash into the collector's
        own cash journal, or by WeChat Pay, in their round."""
        collector = order.collector_id or self.users["collector"]
        outcome = "paid" if amount >= order.amount_due else "partial"
        with freeze_time(self.moment(date, 15)):
            wizard = (
                self.env["fee.collection.outcome"]
                .with_env(self.env_of(collector))
                .with_context(default_order_id=order.id)
                .create({"outcome": outcome, "note": "上门收费。"})
            )
            wizard.amount = amount
            if self.rng.random() < 0.4:
                wizard.journal_id = wizard.journal_ids.filtered(
                    lambda journal: journal.code == "WXPAY"
                )
            wizard.action_confirm()

    def hand_over_rounds(self, date):
        """The collectors hand their cash over to the cashier, who validates their
        rounds."""
        rounds = self.env["fee.cash.session"].search(
            [("session_type", "=", "field"), ("state", "=", "open")]
        )
        cashier = self.env_of(self.users["cashier"])
        for session in rounds:
            for line in session.line_ids:
                line.counted_amount = line.expected_amount
            session.action_close()
            session.with_env(cashier).action_validate()

    def cashier_session(self, date):
        """The cashier's session of ``date``: the day before's is closed then (its cash
        counted, once 2.00 short) and validated by the accountant the next morning."""
        Session = self.env["fee.cash.session"]
        session = Session.search(
            [("user_id", "=", self.users["cashier"].id), ("state", "=", "open")]
        )
        if session and session.opening_date.date() < date:
            self.hand_over(session)
            session = Session
        if not session:
            with freeze_time(self.moment(date, 8)):
                session = Session.with_env(self.env_of(self.users["cashier"])).create(
                    {"opening_cash": 200.0}
                )
        return session

    def hand_over(self, session):
        day = session.opening_date.date()
        short = not self.env["fee.cash.session"].search_count(
            [("state", "=", "validated"), ("difference", "!=", 0)]
        )
        cashier = session.with_env(self.env_of(self.users["cashier"]))
        for line in cashier.line_ids:
            line.counted_amount = line.expected_amount - (
                2.0 if short and line.journal_id == self.cash else 0.0
            )
        with freeze_time(self.moment(day, 18)):
            cashier.action_close()
        accountant = session.with_env(self.env_of(self.users["accountant"]))
        if short:
            accountant.difference_note = "找零多找2元，已登记。"
        with freeze_time(self.moment(day + timedelta(days=1), 9)):
            accountant.action_validate()

    def prepay(self, partner, date, amount):
        self.collect_at_counter(partner, date, amount, self.epay)
        self.apply_credit(partner)

    def apply_credit(self, partner):
        """Settle open bills from what the subscriber paid in advance."""
        for invoice in self.open_invoices(partner, self.today):
            credit = self.env["account.move.line"].search(
                [
                    ("partner_id", "=", partner.id),
                    ("account_id.account_type", "=", "asset_receivable"),
                    ("parent_state", "=", "posted"),
                    ("reconciled", "=", False),
                    ("amount_residual", "<", 0),
                ],
                order="date, id",
                limit=1,
            )
            if not credit:
                return
            invoice.with_env(
                self.env_of(self.users["accountant"])
            ).js_assign_outstanding_line(credit.id)

    def invoice_of(self, partner, month):
        return self.env["account.move"].search(
            [
                ("partner_id", "=", partner.id),
                ("fee_billing_run_id.date", "=", month),
            ],
            limit=1,
        )

    def dispute(self, partner, month, note):
        invoice = self.invoice_of(partner, month).with_env(
            self.env_of(self.users["accountant"])
        )
        invoice.action_dispute()
        invoice.dispute_note = note
        partner.arrears_reason_id = self.ref("arrears_reason_disputed")

    def credit(self, partner, month, date, note):
        """The dispute is upheld: half a month of cable TV is credited."""
        accountant = self.users["accountant"]
        invoice = self.invoice_of(partner, month).with_env(self.env_of(accountant))
        tv_line = invoice.invoice_line_ids.filtered(
            lambda line: line.product_id == self.ref("fee_item_cable_tv_demo")
        )[:1]
        refund = (
            self.env["account.move"]
            .with_env(self.env_of(accountant))
            .create(
                {
                    "move_type": "out_refund",
                    "partner_id": partner.id,
                    "invoice_date": date,
                    "reversed_entry_id": invoice.id,
                    "ref": note,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": tv_line.product_id.id,
                                "name": note,
                                "quantity": 1,
                                "price_unit": float_round(tv_line.price_unit / 2, 2),
                            }
                        )
                    ],
                }
            )
        )
        refund.action_post()
        receivable = refund.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        # Odoo settles a credit note with the invoice it reverses by itself.
        if not receivable.reconciled:
            invoice.js_assign_outstanding_line(receivable.id)
        invoice.action_resolve_dispute()

    def change_service(self, service, action, reason):
        service = service.with_env(self.env_of(self.users["manager"]))
        if action == "suspend":
            service.action_suspend(reason=reason)
        else:
            getattr(service, f"action_{action}")()

    def dun(self, date):
        run = (
            self.env["fee.dunning.run"]
            .with_env(self.env_of(self.users["accountant"]))
            .create({"date": date})
        )
        with freeze_time(self.moment(date, 7)):
            # The morning's jobs: promises kept or broken, the collectors' rounds handed
            # over to the cashier.
            self.env["fee.collection.order"]._cron_check_promises()
            self.hand_over_rounds(date)
        run.action_execute()
        self.runs["dunning"] += 1
        # The collectors work the new orders within a few days; the latest are still open.
        for order in run.line_ids.order_ids:
            work_date = date + timedelta(days=self.rng.randint(1, 3))
            if work_date < self.today - timedelta(days=6):
                self.at(work_date, 3, self.work_order, order, work_date)

    def work_order(self, order, date):
        """A collector calls or visits and logs each attempt; the outcome follows from how the
        subscriber behaves. Recent orders against non-payers are still being worked."""
        if order.state != "open":  # paid meanwhile
            return
        partner = order.partner_id
        number = self.number_of(partner)
        collector = order.collector_id or self.users["collector"]
        channel = "visit" if order.order_type == "visit" else "phone"
        miss = "not_home" if channel == "visit" else "no_answer"
        reason = reason_of(number)
        values = {}
        if reason == "disputed":
            attempts, outcome = [("reached", "disputed")], "disputed"
        elif number in PARTIAL:
            # Promises part now: the rest follows with the next bill.
            attempts, outcome = [("reached", "partial")], "promise"
            values = {
                "promise_date": date + timedelta(days=7),
                "promise_amount": round(order.amount_due / 2, 2),
            }
        elif reason == "unreachable":
            attempts, outcome = (
                [(miss, miss), (miss, miss), (miss, "unreachable")],
                "unreachable",
            )
        elif reason in ("malicious", "unable"):
            note = "refused" if reason == "malicious" else "unable"
            attempts, outcome = [(miss, miss), ("reached", note)], "refused"
        else:
            # Forgot: promises to pay; those who stopped paying break their promise.
            planned = [d for d in self.payment_plan[partner] if d > date]
            promise = (
                min(*planned, date + timedelta(days=28))
                if planned and number not in STOPPED and number not in RECOVERED
                else date + timedelta(days=7)
            )
            attempts, outcome = [("reached", "promise")], "promise"
            values = {"promise_date": promise, "promise_amount": order.amount_due}
            self.open_invoices(partner, date).with_env(
                self.env_of(self.users["accountant"])
            ).promise_date = promise
        if outcome in ("refused", "unreachable") and (self.today - date).days < 30:
            attempts, outcome = attempts[:1], None  # still trying
        if outcome and order.state == "open":  # three missed calls make a visit
            *attempts, (result, note) = attempts
        else:
            result = None
        self.env["fee.collection.attempt"].with_env(self.env_of(collector)).create(
            [
                {
                    "order_id": order.id,
                    "date": self.moment(date, 10 + 2 * i),
                    "channel": channel,
                    "result": result,
                    "note": self.call_note(note, values, date),
                    "user_id": collector.id,
                }
                for i, (result, note) in enumerate(attempts)
            ]
        )
        if result:
            # Recorded on the day of the call, through the outcome form (which logs the
            # call): a promise is checked against that day and holds back the bills
            # overdue then (the order stays open until it is kept or broken); the
            # reason goes to the subscriber's file.
            with freeze_time(self.moment(date, 10 + 2 * len(attempts))):
                self.env["fee.collection.outcome"].with_env(
                    self.env_of(collector)
                ).create(
                    {
                        "order_id": order.id,
                        "outcome": outcome,
                        "note": self.call_note(note, values, date),
                        "reason_id": self.ref(f"arrears_reason_{reason}").id,
                        **values,
                    }
                ).action_confirm()

    @staticmethod
    def call_note(note, values, date):
        return CALL_NOTES[note].format(
            date=values.get("promise_date", date).strftime("%m月%d日")
        )

    def deliver_sms(self):
        """The text messages of the past went out at the time: no gateway is called for them
        when the demo server starts (it has none)."""
        self.env["sms.sms"].search([("state", "=", "outgoing")]).state = "sent"

    def open_today(self):
        """The last day's session is handed over and the cashier's session of today is open;
        the manager voided the last receipt, taken from the wrong subscriber."""
        self.cashier_session(self.today)
        receipt = self.env["fee.receipt"].search([], order="id desc", limit=1)
        with freeze_time(self.moment(self.today, 9)):
            receipt.with_env(self.env_of(self.users["manager"])).action_void(
                "收错用户，已退回。"
            )

    def dispatch_today(self):
        """This morning's dispatch: every overdue subscriber at a level that asks for an
        order has its open order, for its collector, the most urgent first."""
        with freeze_time(self.moment(self.today, 7)):
            self.env["fee.collection.order"]._cron_check_promises()
            self.env["fee.collection.order"].with_env(
                self.env_of(self.users["accountant"])
            ).action_dispatch()

    def set_targets(self):
        """Monthly targets of the collectors for the last three months and this one, a
        little above or below what they collected, with commission and bonus rates."""
        Target = self.env["fee.collector.target"]
        for collector in (self.users["collector"], self.users["collector2"]):
            for month in self.months[-4:]:
                end = month + relativedelta(months=1, days=-1)
                collected = Target._get_results(
                    {(collector, month, end, self.company)}
                )[collector, month, end, self.company]["collected"]
                target = max(500.0, round(collected * self.rng.uniform(0.85, 1.2), -2))
                Target.create(
                    {
                        "collector_id": collector.id,
                        "date_from": month,
                        "date_to": end,
                        "amount_target": target,
                        "order_target": 10,
                        "commission_rate": 1.0,
                        "bonus_rate": 5.0,
                    }
                )

    def outage_backfill(self):
        """The paper receipts written during a power cut, waiting to be entered (补录): the
        sample file of the demo data, checked, for a newcomer to post."""
        path = file_path(f"{MODULE}/demo/paper_receipts_sample.csv")
        with open(path, "rb") as sample:
            content = sample.read()
        backfill = (
            self.env["fee.receipt.import"]
            .with_env(self.env_of(self.users["cashier"]))
            .create(
                {
                    "file": base64.b64encode(content),
                    "file_name": "停电补录-paper_receipts_sample.csv",
                }
            )
        )
        backfill.action_check()

    def write_off_bad_debt(self):
        """A subscriber who moved away without paying (坏账): the accountant asks to write
        off the oldest arrears, the manager approves, and the debt leaves the ledger's
        arrears for the bad-debt account."""
        subscribers = self.env["res.partner"].search([("is_subscriber", "=", True)])
        debtor = max(subscribers, key=lambda partner: partner.fee_overdue_days)
        write_off = (
            self.env["fee.write.off"]
            .with_env(self.env_of(self.users["accountant"]))
            .create(
                {
                    "partner_id": debtor.id,
                    "reason": "用户已搬离，多次上门联系不上，欠费无法收回。",
                    "arrears_reason_id": self.ref("arrears_reason_unable").id,
                }
            )
        )
        write_off.action_submit()
        write_off.with_env(self.env_of(self.users["manager"])).action_approve()
        return write_off

    def preview_today(self):
        """Today's run is computed, not executed: the preview a newcomer can look at."""
        run = (
            self.env["fee.dunning.run"]
            .with_env(self.env_of(self.users["accountant"]))
            .create({"date": self.today})
        )
        run.action_compute()
        return run

    # ------------------------------------------------------------------
    # Summary
    # ------------------------------------------------------------------

    def summary(self, preview):
        env = self.env
        currency = self.company.currency_id

        def amount(value):
            return f"{currency.round(value):,.2f} {currency.name}"

        subscribers = env["res.partner"].search([("is_subscriber", "=", True)])
        services = env["fee.subscription"].search([])
        states = defaultdict(int)
        for service in services:
            states[service.state] += 1
        posted = [("state", "=", "posted")]
        invoices = env["account.move"].search(
            [*posted, ("move_type", "=", "out_invoice")]
        )
        refunds = env["account.move"].search(
            [*posted, ("move_type", "=", "out_refund")]
        )
        payments = env["account.payment"].search(
            [("state", "in", ("in_process", "paid")), ("payment_type", "=", "inbound")]
        )
        billed = sum(invoices.mapped("amount_total_signed"))
        open_lines = env["account.move.line"].search(
            [
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
            ]
        )
        buckets = dict.fromkeys(("0-30", "31-60", "61-90", "91-180", ">180"), 0.0)
        for line in open_lines.filtered(
            lambda line: line.amount_residual > 0 and line.date_maturity < self.today
        ):
            days = (self.today - line.date_maturity).days
            label = next(
                label
                for label, limit in zip(buckets, (30, 60, 90, 180, None), strict=True)
                if limit is None or days <= limit
            )
            buckets[label] += line.amount_residual
        overdue = env["res.partner"]._get_overdue_data(self.today, self.company)
        overdue_total = sum(data["amount"] for data in overdue.values())
        in_advance = -sum(
            line.amount_residual for line in open_lines if line.amount_residual < 0
        )
        orders = env["fee.collection.order"].search([])
        receipts = env["fee.receipt"].search([])
        sessions = env["fee.cash.session"].search([])
        rows = [
            (
                "subscribers",
                f"{len(subscribers)}, "
                f"{len(subscribers.filtered(lambda p: not p.file_complete))} with an "
                f"incomplete file, {len(subscribers.filtered(lambda p: not p.id_verified))} "
                "not verified",
            ),
            (
                "services",
                ", ".join(f"{n} {state}" for state, n in sorted(states.items())),
            ),
            (
                "billing runs",
                f"{self.runs['billing']}: {len(invoices)} invoices (of which "
                f"{len(invoices.filtered('fee_charge_type'))} for late fees), "
                f"{len(refunds)} credit note(s)",
            ),
            (
                "billed",
                f"{amount(billed)}, credited "
                f"{amount(-sum(refunds.mapped('amount_total_signed')))}",
            ),
            (
                "paid",
                f"{amount(sum(payments.mapped('amount_company_currency_signed')))} "
                f"in {len(payments)} payments, {amount(in_advance)} of it unused on account",
            ),
            (
                "overdue",
                f"{amount(overdue_total)} from "
                f"{len([d for d in overdue.values() if d['amount'] > 0])} subscribers "
                f"({overdue_total / billed:.1%} of the billed amount)",
            ),
            ("  by days", ", ".join(f"{k}: {amount(v)}" for k, v in buckets.items())),
            (
                "dunning runs",
                f"{self.runs['dunning']} executed, today's "
                f"{preview.name} previewed ({len(preview.line_ids)} lines)",
            ),
            (
                "receipts",
                f"{len(receipts)} at the counter, "
                f"{len(receipts.filtered(lambda r: r.state == 'voided'))} voided; "
                f"{len(sessions)} cash sessions, "
                f"{len(sessions.filtered(lambda s: s.state == 'open'))} open; "
                f"{env['fee.anomaly'].search_count([])} anomalies",
            ),
            (
                "collection orders",
                f"{len(orders)}, "
                f"{len(orders.filtered(lambda o: o.state == 'open'))} open",
            ),
        ]
        print(f"\nDemo history from {self.months[0]} to {self.today}")
        for label, text in rows:
            print(f"  {label:<18} {text}")


def main(env):
    env = env(su=True, context=dict(env.context, lang="en_US", tz="Asia/Shanghai"))
    history = DemoHistory(env)
    history.load_records()
    history.localise()
    history.plan()
    history.play()
    history.deliver_sms()
    history.open_today()
    history.dispatch_today()
    history.set_targets()
    history.outage_backfill()
    history.write_off_bad_debt()
    preview = history.preview_today()
    env.cr.commit()
    history.summary(preview)


main(globals()["env"])  # the environment given by odoo shell
