from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_date


class FeeCollectorTarget(models.Model):
    """A collector's target for a period (考核指标): an amount to collect and orders to
    close, against what they did, and the incentive it earns (奖励核算): a commission on
    what they collected, and a bonus on what they collected beyond the target."""

    _name = "fee.collector.target"
    _description = "Collector Target"
    _order = "date_from desc, collector_id"
    _check_company_auto = True

    collector_id = fields.Many2one(
        "res.users", required=True, domain="[('share', '=', False)]"
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Date(string="From", required=True)
    date_to = fields.Date(string="To", required=True)
    amount_target = fields.Monetary()
    order_target = fields.Integer(string="Orders Target")
    commission_rate = fields.Float(
        digits=(5, 2), help="Percent of what the collector collected."
    )
    bonus_rate = fields.Float(
        digits=(5, 2), help="Percent of what the collector collected beyond the target."
    )

    # What the collector did (computed from receipts and orders)
    amount_collected = fields.Monetary(compute="_compute_results")
    amount_electronic = fields.Monetary(compute="_compute_results")
    orders_done = fields.Integer(compute="_compute_results")
    promises_made = fields.Integer(compute="_compute_results")
    promises_kept = fields.Integer(compute="_compute_results")
    achievement = fields.Float(
        string="Collected vs Target (%)", digits=(5, 1), compute="_compute_results"
    )
    kept_rate = fields.Float(
        string="Promises Kept (%)", digits=(5, 1), compute="_compute_results"
    )
    electronic_share = fields.Float(
        string="Electronic (%)", digits=(5, 1), compute="_compute_results"
    )
    incentive = fields.Monetary(compute="_compute_results")

    _sql_constraints = [
        (
            "rates_positive",
            "CHECK(commission_rate >= 0 AND bonus_rate >= 0 AND amount_target >= 0 "
            "AND order_target >= 0)",
            "Targets and rates cannot be negative.",
        )
    ]

    @api.constrains("date_from", "date_to", "collector_id")
    def _check_period(self):
        for target in self:
            if target.date_from > target.date_to:
                raise ValidationError(
                    self.env._(
                        "A target's period ends on or after %(date)s.",
                        date=format_date(self.env, target.date_from),
                    )
                )
            if self.search_count(
                [
                    ("id", "!=", target.id),
                    ("collector_id", "=", target.collector_id.id),
                    ("company_id", "=", target.company_id.id),
                    ("date_from", "<=", target.date_to),
                    ("date_to", ">=", target.date_from),
                ],
                limit=1,
            ):
                raise ValidationError(
                    self.env._(
                        "%(user)s already has a target overlapping %(start)s – %(end)s.",
                        user=target.collector_id.name,
                        start=format_date(self.env, target.date_from),
                        end=format_date(self.env, target.date_to),
                    )
                )

    def _compute_results(self):
        results = self.env["fee.collector.target"]._get_results(
            {(t.collector_id, t.date_from, t.date_to, t.company_id) for t in self}
        )
        for target in self:
            figures = results[
                (
                    target.collector_id,
                    target.date_from,
                    target.date_to,
                    target.company_id,
                )
            ]
            target.amount_collected = figures["collected"]
            target.amount_electronic = figures["electronic"]
            target.orders_done = figures["orders_done"]
            target.promises_made = figures["promises_made"]
            target.promises_kept = figures["promises_kept"]
            target.achievement = _percent(figures["collected"], target.amount_target)
            target.kept_rate = _percent(
                figures["promises_kept"], figures["promises_made"]
            )
            target.electronic_share = _percent(
                figures["electronic"], figures["collected"]
            )
            beyond = max(figures["collected"] - target.amount_target, 0.0)
            target.incentive = target.currency_id.round(
                figures["collected"] * target.commission_rate / 100
                + beyond * target.bonus_rate / 100
            )

    @api.model
    def _get_results(self, periods):
        """{(collector, date from, date to, company): figures} for ``periods``: what each
        collector collected in the field (and of it, electronically), the orders they
        closed and the promises due in the period, and kept. Grouped reads per distinct
        period, as the leaderboard counts them."""
        results = {}
        by_period = {}
        for collector, date_from, date_to, company in periods:
            by_period.setdefault((date_from, date_to, company), []).append(collector)
        Receipt = self.env["fee.receipt"].sudo()
        Order = self.env["fee.collection.order"].sudo()
        for (date_from, date_to, company), collectors in by_period.items():
            ids = [collector.id for collector in collectors]
            base = [("company_id", "=", company.id), ("user_id", "in", ids)]
            receipts = {}
            for user, journal, amount in Receipt._read_group(
                [
                    *base,
                    ("channel", "=", "field"),
                    ("state", "=", "posted"),
                    ("date", ">=", date_from),
                    ("date", "<=", date_to),
                ],
                ["user_id", "journal_id"],
                ["amount:sum"],
            ):
                key = (user, journal.type)
                receipts[key] = receipts.get(key, 0.0) + amount
            orders_base = [("company_id", "=", company.id), ("collector_id", "in", ids)]
            done = dict(
                Order._read_group(
                    [
                        *orders_base,
                        ("date_done", ">=", date_from),
                        ("date_done", "<=", date_to),
                    ],
                    ["collector_id"],
                    ["__count"],
                )
            )
            promises = {
                (collector, state): count
                for collector, state, count in Order._read_group(
                    [
                        *orders_base,
                        ("promise_state", "in", ("kept", "broken")),
                        ("promise_date", ">=", date_from),
                        ("promise_date", "<=", date_to),
                    ],
                    ["collector_id", "promise_state"],
                    ["__count"],
                )
            }
            for collector in collectors:
                electronic = receipts.get((collector, "bank"), 0.0)
                kept = promises.get((collector, "kept"), 0)
                results[collector, date_from, date_to, company] = {
                    "collected": receipts.get((collector, "cash"), 0.0) + electronic,
                    "electronic": electronic,
                    "orders_done": done.get(collector, 0),
                    "promises_made": kept + promises.get((collector, "broken"), 0),
                    "promises_kept": kept,
                }
        return results


def _percent(part, whole):
    return round(100.0 * part / whole, 1) if whole else 0.0
