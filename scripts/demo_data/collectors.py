"""The collectors: the calls and visits of the orders the dunning runs make (promises,
refusals, unreachable subscribers, a disputed bill), money collected in the field, rounds
handed over to the cashier, this morning's dispatch and the monthly targets."""

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from .subscribers import PARTIAL, RECOVERED, STOPPED, reason_of

# What a collector writes down after a call or a visit, by result.
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


class Collectors:
    """Part of ``DemoHistory``: the collectors' work."""

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
