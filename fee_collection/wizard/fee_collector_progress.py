import base64
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import xlsx


class FeeCollectorProgress(models.TransientModel):
    """The collection progress table (欠费进度收缴表) of a period, as an Excel file: per
    collector, the target and what was collected, the orders done, the promises kept,
    the electronic share and the incentive earned."""

    _name = "fee.collector.progress"
    _description = "Collection Progress Table"

    date_from = fields.Date(
        string="From", required=True, default=lambda self: self._default_date_from()
    )
    date_to = fields.Date(
        string="To",
        required=True,
        default=lambda self: self._default_date_from() + timedelta(days=6),
    )
    file = fields.Binary(readonly=True, attachment=False)
    file_name = fields.Char()

    @api.model
    def _default_date_from(self):
        today = fields.Date.context_today(self)
        return today - timedelta(days=today.weekday())

    def action_export(self):
        self.ensure_one()
        if self.date_from > self.date_to:
            raise UserError(self.env._("The period ends before it starts."))
        self.file = base64.b64encode(self._build_workbook(self._get_rows()))
        self.file_name = self.env._(
            "Collection progress %(start)s - %(end)s.xlsx",
            start=self.date_from,
            end=self.date_to,
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/file/{self.file_name}?download=true",
            "target": "self",
        }

    def _get_rows(self):
        """One row a collector with a target in the period or field work in it; targets
        that overlap the period only in part count pro rata."""
        company = self.env.company
        targets = self.env["fee.collector.target"].search(
            [
                ("company_id", "=", company.id),
                ("date_from", "<=", self.date_to),
                ("date_to", ">=", self.date_from),
            ]
        )
        busy = self.env["fee.collector.leaderboard"].search(
            [
                ("company_id", "=", company.id),
                ("week", ">=", self.date_from - timedelta(days=6)),
                ("week", "<=", self.date_to),
            ]
        )
        collectors = (targets.collector_id | busy.collector_id).sorted("name")
        Target = self.env["fee.collector.target"]
        results = Target._get_results(
            {
                (collector, self.date_from, self.date_to, company)
                for collector in collectors
            }
        )
        rows = []
        for collector in collectors:
            figures = results[collector, self.date_from, self.date_to, company]
            amount_target = order_target = incentive = 0.0
            for target in targets.filtered(lambda t, c=collector: t.collector_id == c):
                share = self._overlap(target)
                amount_target += target.amount_target * share
                order_target += target.order_target * share
                beyond = max(figures["collected"] - target.amount_target * share, 0.0)
                incentive += (
                    figures["collected"] * share * target.commission_rate / 100
                    + beyond * target.bonus_rate / 100
                )
            collected = figures["collected"]
            rows.append(
                [
                    collector.name,
                    company.currency_id.round(amount_target),
                    collected,
                    collected / amount_target if amount_target else None,
                    round(order_target),
                    figures["orders_done"],
                    figures["promises_kept"] / figures["promises_made"]
                    if figures["promises_made"]
                    else None,
                    figures["electronic"] / collected if collected else None,
                    company.currency_id.round(incentive),
                ]
            )
        return rows

    def _overlap(self, target):
        start = max(target.date_from, self.date_from)
        end = min(target.date_to, self.date_to)
        return ((end - start).days + 1) / ((target.date_to - target.date_from).days + 1)

    def _build_workbook(self, rows):
        columns = [
            (self.env._("Collector"), xlsx.TEXT),
            (self.env._("Amount Target"), xlsx.MONEY),
            (self.env._("Collected"), xlsx.MONEY),
            (self.env._("Collected vs Target"), xlsx.PERCENT),
            (self.env._("Orders Target"), xlsx.INTEGER),
            (self.env._("Orders Done"), xlsx.INTEGER),
            (self.env._("Promises Kept"), xlsx.PERCENT),
            (self.env._("Electronic Share"), xlsx.PERCENT),
            (self.env._("Incentive"), xlsx.MONEY),
        ]
        summed = (1, 2, 4, 5, 8)
        total = [
            sum(row[column] for row in rows) if column in summed else None
            for column in range(len(columns))
        ]
        total[0] = self.env._("Total")
        workbook = xlsx.Workbook()
        workbook.add_table(
            self.env._("Collection Progress"),
            self.env._("Collection Progress Table"),
            self.env._(
                "%(company)s, %(start)s to %(end)s",
                company=self.env.company.name,
                start=self.date_from,
                end=self.date_to,
            ),
            columns,
            rows,
            total=total,
        )
        return workbook.close()
