"""The agent outlets (代办网点): the two outlets of the demo records take their terms five
weeks ago, with a counter clerk each on the portal (agent1, agent2), and from then on the
subscribers of their grids pay there: those the outlet brought in always, a share of the
others. The weekly outlet is settled every Monday (the accountant submits, the manager
approves the next day, the outlet remits by bank transfer two days later); last week's
settlement waits for the manager. The monthly outlet's last month is settled and posted
but not remitted: today the manager halves its credit limit, which blocks it (关闭工号)."""

import heapq
from datetime import timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.tools import float_round

WEEKS = 5  # weeks of collections at the outlets, the current one not counted
SHARE_OF_GRID = 0.6  # of the other payments of an outlet's grid taken at the outlet
# The outlets of the demo records: their terms and their counter clerk (login = password).
OUTLETS = {
    "fee_agent_wenchang_demo": {
        "login": "agent1",
        "clerk": "周丽华",
        "terms": {
            "agent_commission_type": "percent",
            "agent_commission_rate": 2.0,
            "agent_settlement_frequency": "weekly",
            "agent_credit_limit": 3000.0,
        },
        "tiers": [],
    },
    "fee_agent_yangzijiang_demo": {
        "login": "agent2",
        "clerk": "孙志刚",
        "terms": {
            "agent_commission_type": "tiered",
            "agent_settlement_frequency": "monthly",
            "agent_credit_limit": 5000.0,
        },
        # From this much collected in a month, this rate on the whole month.
        "tiers": [(0.0, 1.5), (1000.0, 2.0), (3000.0, 2.5)],
    },
}


class Agents:
    """Part of ``DemoHistory``: the outlets' collections, settlements and credit control."""

    def plan_agents(self):
        """Plan the outlets' five weeks, once the rest of the history is planned: the
        payments of their grids' subscribers in those weeks move to the outlets."""
        start = self.today - timedelta(days=7 * WEEKS + self.today.weekday())
        self.outlets = {self.ref(xmlid): values for xmlid, values in OUTLETS.items()}
        weekly, monthly = self.outlets
        self.at(start, 0, self.open_outlets)
        by_grid = {outlet.area_id: outlet for outlet in self.outlets}
        events = []
        for event in self.events:
            date, priority, sequence, function, args = event
            if function == self.pay and date >= start:
                partner, _date, upto, journal, *fraction = args
                outlet = by_grid.get(partner.area_id)
                if outlet and (
                    partner.agent_id == outlet
                    or (journal != self.bank and self.rng.random() < SHARE_OF_GRID)
                ):
                    args = (outlet, partner, date, upto, *fraction)
                    event = (date, priority, sequence, self.pay_at_outlet, args)
            events.append(event)
        heapq.heapify(events)
        self.events = events
        # Weekly: settled on the Monday after each week; the last one waits.
        sundays = [start + timedelta(days=6 + 7 * week) for week in range(WEEKS)]
        for sunday in sundays:
            approve = sunday != sundays[-1]
            self.at(sunday + timedelta(days=1), 8, self.settle, weekly, sunday, approve)
        # Monthly: last month settled on the 1st, posted, never remitted.
        month_end = self.today.replace(day=1) - timedelta(days=1)
        if month_end >= start:
            self.at(
                month_end + timedelta(days=1), 8, self.settle, monthly, month_end, True
            )
        self.at(self.today, 8, self.lower_credit_limit, monthly)

    def open_outlets(self):
        """The manager sets the outlets' terms; each gets its counter clerk, a portal
        user whose contact belongs to the outlet."""
        manager = self.env_of(self.users["manager"])
        group = self.env.ref("fee_collection.group_fee_agent")
        lang = "zh_CN" if self.env["res.lang"]._lang_get("zh_CN") else "en_US"
        for outlet, values in self.outlets.items():
            outlet.with_env(manager).write(
                {
                    **values["terms"],
                    "agent_commission_tier_ids": [
                        Command.create({"volume_from": volume, "rate": rate})
                        for volume, rate in values["tiers"]
                    ],
                }
            )
            login = values["login"]
            clerk = (
                self.env["res.users"]
                .with_context(no_reset_password=True)
                .create(
                    {
                        "name": values["clerk"],
                        "login": login,
                        "password": login,
                        "email": f"{login}@example.com",
                        "lang": lang,
                        "tz": "Asia/Shanghai",
                        "company_id": self.company.id,
                        "company_ids": [Command.set(self.company.ids)],
                        "groups_id": [Command.set(group.ids)],
                    }
                )
            )
            clerk.partner_id.parent_id = outlet
            self.users[login] = clerk

    def pay_at_outlet(self, outlet, partner, date, upto, fraction=1.0):
        """The subscriber pays (part of) the bills issued up to ``upto`` at the outlet:
        its clerk takes the money on the portal, in the agents' journal."""
        payable = self.payable(partner, upto, fraction)
        if not payable:
            return
        invoices, due, amount = payable
        clerk = self.users[self.outlets[outlet]["login"]]
        env = self.env_of(clerk)
        # Outlets are open from morning to evening.
        with freeze_time(self.moment(date, self.rng.randint(9, 20))):
            partner.with_env(env)._fee_collect(
                min(amount, due),
                self.company.fee_agent_journal_id.with_env(env),
                channel="agent",
                agent=outlet.with_env(env),
                invoices=invoices.with_env(env),
                date=date,
                user=clerk,
            )

    def settle(self, outlet, date_to, approve):
        """The accountant makes and submits the outlet's settlement up to ``date_to``
        the next morning; the manager approves it (posts it) the day after, and a weekly
        outlet remits two days later."""
        day = date_to + timedelta(days=1)
        with freeze_time(self.moment(day, 9)):
            settlement = (
                self.env["fee.agent.settlement"]
                .with_env(self.env_of(self.users["accountant"]))
                ._fee_generate(outlet, date_to)
            )
            if not settlement:
                return
            settlement.action_submit()
        if approve:
            day += timedelta(days=1)
            self.at(day, 8, self.approve_settlement, settlement, day)

    def approve_settlement(self, settlement, day):
        with freeze_time(self.moment(day, 10)):
            settlement.with_env(self.env_of(self.users["manager"])).action_approve()
        if settlement.agent_id.agent_settlement_frequency == "weekly":
            day += timedelta(days=2)
            self.at(day, 2, self.remit, settlement, day)

    def remit(self, settlement, day):
        """The outlet's bank transfer of what it owes, entered by the accountant."""
        settlement = settlement.with_env(self.env_of(self.users["accountant"]))
        with freeze_time(self.moment(day, 11)):
            settlement._fee_register_remittance(settlement.amount_due, self.bank, day)

    def lower_credit_limit(self, outlet):
        """The manager halves the limit of an outlet that keeps what it collected: at
        half of what it holds now, it is blocked at once, until it remits."""
        held = outlet._fee_get_unremitted(self.company).get(outlet.id, 0.0)
        limit = max(10.0, float_round(held / 2, precision_rounding=10.0))
        with freeze_time(self.moment(self.today, 9)):
            outlet.with_env(
                self.env_of(self.users["manager"])
            ).agent_credit_limit = limit
