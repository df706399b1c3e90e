"""The calendar of the demo office: the state every part of the demo shares, the plan of the
six months played in date order, and the accountant's recurring runs (billing on the 1st of
every month, dunning on the 15th and 25th, today's dunning run as a preview)."""

import gc
import heapq
import random
from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz
from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import fields
from odoo.tools import float_round

from .subscribers import PREPAID, SERVICE_CHANGES

MODULE = "fee_collection"
MONTHS = 6  # months of history, the current one included
SHANGHAI = pytz.timezone("Asia/Shanghai")


class History:
    """The shared state: the environment, today and the months of history, the demo users,
    the plan of events and one seeded random generator. Every step draws from that
    generator in the order the steps run, so that the same seed gives the same data."""

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

    def number_of(self, partner):
        """Number of a demo subscriber (fee_subscriber_NNN_demo)."""
        return int(partner.get_external_id()[partner.id].split("_")[-2])

    def moment(self, date, hour):
        """``hour`` o'clock in Shanghai on ``date``, as a UTC datetime for the database."""
        local = SHANGHAI.localize(datetime.combine(date, time(hour)))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    def open_invoices(self, partner, upto):
        """The subscriber's unpaid bills issued up to ``upto``, oldest first."""
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

    def payable(self, partner, upto, fraction=1.0):
        """What the subscriber pays now of the bills issued up to ``upto``: the open ones
        not disputed, what is due on them and the amount paid (all of it, or
        ``fraction`` of it in whole yuan, at least 10.00); None if there is none."""
        invoices = self.open_invoices(partner, upto).filtered(
            lambda move: move.dispute_state != "disputed"
        )
        if not invoices:
            return None
        due = sum(invoices.mapped("amount_residual"))
        amount = due if fraction >= 1 else max(10.0, float_round(due * fraction, 0))
        return invoices, due, amount

    def invoice_of(self, partner, month):
        """The subscriber's bill of the billing run of ``month``."""
        return self.env["account.move"].search(
            [
                ("partner_id", "=", partner.id),
                ("fee_billing_run_id.date", "=", month),
            ],
            limit=1,
        )

    # ------------------------------------------------------------------
    # The plan: every event of the six months, then played in date order
    # ------------------------------------------------------------------

    def at(self, date, priority, function, *args):
        """Plan ``function(*args)`` on ``date`` (the past only); ``priority`` orders a day:
        billing, service changes, payments, collectors' work, dunning."""
        if date <= self.today:
            self.sequence += 1
            heapq.heappush(self.events, (date, priority, self.sequence, function, args))

    def drop_own_payments(self, partners, start):
        """Take out of the plan what ``partners`` pay by themselves (at the counter, at
        an outlet) from ``start`` on: another channel pays for them from then."""
        own_payments = {self.pay, getattr(self, "pay_at_outlet", None)} - {None}
        partner_ids = {partner.id for partner in partners}
        self.events = [
            event
            for event in self.events
            if not (
                event[0] >= start
                and event[3] in own_payments
                # A payment's arguments start with its payer (after an outlet's).
                and any(
                    getattr(arg, "_name", None) == "res.partner"
                    and arg.id in partner_ids
                    for arg in event[4][:2]
                )
            )
        ]
        heapq.heapify(self.events)

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
    # The accountant's runs
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

    def deliver_sms(self):
        """The text messages of the past went out at the time: no gateway is called for them
        when the demo server starts (it has none)."""
        self.env["sms.sms"].search([("state", "=", "outgoing")]).state = "sent"

    def preview_today(self):
        """Today's run is computed, not executed: the preview a newcomer can look at."""
        run = (
            self.env["fee.dunning.run"]
            .with_env(self.env_of(self.users["accountant"]))
            .create({"date": self.today})
        )
        run.action_compute()
        return run
