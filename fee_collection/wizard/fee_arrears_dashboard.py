from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import format_date

from ..models.fee_receipt import CHANNELS

RATES = ["arrears_rate", "collection_rate", "collection_rate_month", "bad_debt_rate"]


class FeeArrearsDashboard(models.TransientModel):
    """Management's headline figures of a month (as of its end, or today) beside the
    month before's: arrears, collection and bad-debt rates of the twelve billing months
    ending with it, what each channel collected in the month, and the ways into the
    analysis."""

    _name = "fee.arrears.dashboard"
    _description = "Arrears Dashboard"

    month = fields.Date(
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1),
    )
    currency_id = fields.Many2one(
        "res.currency", default=lambda self: self.env.company.currency_id
    )
    billed = fields.Monetary(string="Billed (12 months)", compute="_compute_kpis")
    collected = fields.Monetary(compute="_compute_kpis")
    overdue = fields.Monetary(compute="_compute_kpis")
    written_off = fields.Monetary(compute="_compute_kpis")
    arrears_rate = fields.Float(string="Arrears Rate (%)", compute="_compute_kpis")
    collection_rate = fields.Float(
        string="Collection Rate (%)", compute="_compute_kpis"
    )
    collection_rate_month = fields.Float(
        string="Collection Rate in Month (%)", compute="_compute_kpis"
    )
    bad_debt_rate = fields.Float(string="Bad-Debt Rate (%)", compute="_compute_kpis")
    arrears_trend = fields.Char(compute="_compute_kpis")
    collection_trend = fields.Char(compute="_compute_kpis")
    collection_month_trend = fields.Char(compute="_compute_kpis")
    bad_debt_trend = fields.Char(compute="_compute_kpis")
    # Collections by channel: the month's receipts, of the company, not voided.
    channel_counter_amount = fields.Monetary(
        string="Collected at Counters", compute="_compute_channels"
    )
    channel_field_amount = fields.Monetary(
        string="Collected in the Field", compute="_compute_channels"
    )
    channel_agent_amount = fields.Monetary(
        string="Collected by Agents", compute="_compute_channels"
    )
    channel_online_amount = fields.Monetary(
        string="Collected Online", compute="_compute_channels"
    )
    channel_import_amount = fields.Monetary(
        string="Collected by Backfill", compute="_compute_channels"
    )
    channel_bank_amount = fields.Monetary(
        string="Collected by Bank", compute="_compute_channels"
    )
    channel_counter_share = fields.Float(
        string="Counter Share (%)", compute="_compute_channels"
    )
    channel_field_share = fields.Float(
        string="Field Share (%)", compute="_compute_channels"
    )
    channel_agent_share = fields.Float(
        string="Agent Share (%)", compute="_compute_channels"
    )
    channel_online_share = fields.Float(
        string="Online Share (%)", compute="_compute_channels"
    )
    channel_import_share = fields.Float(
        string="Backfill Share (%)", compute="_compute_channels"
    )
    channel_bank_share = fields.Float(
        string="Bank Share (%)", compute="_compute_channels"
    )

    @api.depends("month")
    def _compute_display_name(self):
        """The dashboard's title, never "New" although it is never saved: the web client
        titles a new record with its display name, computed when its month is set."""
        for dashboard in self:
            dashboard.display_name = self.env._(
                "Arrears Dashboard, %(month)s",
                month=format_date(self.env, dashboard.month, date_format="MMMM y"),
            )

    @api.depends("month")
    def _compute_kpis(self):
        report = self.env["fee.arrears.report"]
        for dashboard in self:
            start = dashboard.month.replace(day=1)
            now = report._get_kpis(start)
            before = report._get_kpis(start - relativedelta(months=1))
            dashboard.billed = now["billed"]
            dashboard.collected = now["collected"]
            dashboard.overdue = now["overdue"]
            dashboard.written_off = now["written_off"]
            for name in RATES:
                dashboard[name] = round((now[name] or 0.0) * 100, 2)
            dashboard.arrears_trend = self._trend(before, now, "arrears_rate")
            dashboard.collection_trend = self._trend(before, now, "collection_rate")
            dashboard.collection_month_trend = self._trend(
                before, now, "collection_rate_month"
            )
            dashboard.bad_debt_trend = self._trend(before, now, "bad_debt_rate")

    @api.depends("month")
    def _compute_channels(self):
        report = self.env["fee.arrears.report"]
        currency = self.env.company.currency_id
        for dashboard in self:
            start = dashboard.month.replace(day=1)
            amounts = dict(
                self.env["fee.receipt"]._read_group(
                    [
                        ("company_id", "=", self.env.company.id),
                        ("state", "=", "posted"),
                        ("date", ">=", start),
                        ("date", "<=", report._get_month_as_of(start)),
                    ],
                    ["channel"],
                    ["amount:sum"],
                )
            )
            total = sum(amounts.values())
            for channel, _label in CHANNELS:
                amount = currency.round(amounts.get(channel, 0.0))
                dashboard[f"channel_{channel}_amount"] = amount
                dashboard[f"channel_{channel}_share"] = (
                    round(100 * amount / total, 2) if total else 0.0
                )

    @api.model
    def _trend(self, before, now, name):
        """The month before's rate, then this month's: "4.49% → 3.66%"."""
        return " → ".join(
            "-" if kpis[name] is None else f"{kpis[name] * 100:.2f}%"
            for kpis in (before, now)
        )

    def _open(self, xmlid, group_by=None):
        self.ensure_one()
        start = self.month.replace(day=1)
        report = self.env["fee.arrears.report"]
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["context"] = {
            "fee_as_of": fields.Date.to_string(report._get_month_as_of(start)),
            **({"group_by": group_by} if group_by else {}),
        }
        action["domain"] = report._get_window(start)
        return action

    def action_open_analysis(self):
        return self._open("fee_collection.fee_arrears_report_action")

    def action_open_aging(self):
        return self._open("fee_collection.fee_arrears_report_action_aging")

    def action_open_by_reason(self):
        return self._open(
            "fee_collection.fee_arrears_report_action", group_by=["reason_id"]
        )

    def action_export(self):
        self.ensure_one()
        return (
            self.env["fee.arrears.monthly"]
            .create({"month": self.month.replace(day=1)})
            .action_export()
        )
