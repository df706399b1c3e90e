import base64

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import xlsx


class FeeAgentSettlementExport(models.TransientModel):
    """Agents' settlement statements as an Excel file: a sheet of the settlements with
    their totals, and a sheet of each settlement's receipts and void adjustments."""

    _name = "fee.agent.settlement.export"
    _description = "Agent Settlements Export"

    settlement_ids = fields.Many2many("fee.agent.settlement", string="Settlements")
    file = fields.Binary(readonly=True, attachment=False)
    file_name = fields.Char()

    def action_export(self):
        self.ensure_one()
        settlements = self.settlement_ids.sorted(lambda s: (s.date_to, s.name))
        if not settlements:
            raise UserError(self.env._("Choose the settlements to export."))
        self.file = base64.b64encode(self._build_workbook(settlements))
        self.file_name = (
            self.env._(
                "Settlement %(name)s.xlsx", name=self._sheet_name(settlements.name)
            )
            if len(settlements) == 1
            else self.env._("Agent settlements.xlsx")
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/file/{self.file_name}?download=true",
            "target": "self",
        }

    @api.model
    def _sheet_name(self, name):
        """A settlement's number as a sheet or file name takes: AS-2024-0001."""
        return name.replace("/", "-")

    def _build_workbook(self, settlements):
        workbook = xlsx.Workbook()
        self._add_summary(workbook, settlements)
        for settlement in settlements:
            self._add_settlement(workbook, settlement)
        return workbook.close()

    def _get_remitted(self, settlements):
        """{settlement: what the outlet remitted on it so far}, as a system step: the
        user reads the settlements, not necessarily the payments."""
        remitted = {}
        for settlement in settlements.sudo():
            payments = settlement.remittance_ids.filtered(
                lambda payment: payment.state not in ("draft", "canceled", "rejected")
            )
            remitted[settlement.id] = settlement.currency_id.round(
                sum(payments.mapped("amount"))
            )
        return remitted

    def _add_summary(self, workbook, settlements):
        states = dict(settlements._fields["state"]._description_selection(self.env))
        remitted = self._get_remitted(settlements)
        rows = [
            [
                settlement.name,
                settlement.agent_id.name,
                fields.Date.to_string(settlement.date_from) or None,
                fields.Date.to_string(settlement.date_to),
                states.get(settlement.state),
                settlement.receipt_count,
                settlement.amount_collected,
                settlement.commission_rate / 100,
                settlement.commission_amount,
                settlement.amount_to_remit,
                remitted[settlement.id],
                settlement.amount_due,
            ]
            for settlement in settlements
        ]
        currency = self.env.company.currency_id
        total = [None] * len(rows[0])
        total[5] = sum(row[5] for row in rows)
        for column in (6, 8, 9, 10, 11):
            total[column] = currency.round(sum(row[column] for row in rows))
        total[0] = self.env._("Total")
        title = self.env._("Settlements")
        workbook.add_table(
            title,
            self.env._("Agent Settlements"),
            self.env.company.name,
            [
                (self.env._("Settlement"), xlsx.TEXT),
                (self.env._("Agent"), xlsx.TEXT),
                (self.env._("From"), xlsx.TEXT),
                (self.env._("Up To"), xlsx.TEXT),
                (self.env._("Status"), xlsx.TEXT),
                (self.env._("Receipts"), xlsx.INTEGER),
                (self.env._("Collected"), xlsx.MONEY),
                (self.env._("Commission Rate"), xlsx.PERCENT),
                (self.env._("Commission"), xlsx.MONEY),
                (self.env._("To Remit"), xlsx.MONEY),
                (self.env._("Remitted"), xlsx.MONEY),
                (self.env._("Still Owed"), xlsx.MONEY),
            ],
            rows,
            total=total,
        )

    def _add_settlement(self, workbook, settlement):
        """The settlement's receipts, then its void adjustments (negative), adding up
        to what it collected."""
        types = dict(
            settlement.line_ids._fields["line_type"]._description_selection(self.env)
        )
        # The subscribers, which not every reader of a settlement may read, are those
        # of receipts the settlement lists.
        lines = settlement.line_ids.sudo().sorted(
            lambda line: (line.line_type != "collection", line.date, line.id)
        )
        rows = [
            [
                line.receipt_id.name,
                fields.Date.to_string(line.date),
                line.partner_id.name,
                types.get(line.line_type),
                line.amount,
            ]
            for line in lines
        ]
        workbook.add_table(
            self._sheet_name(settlement.name),
            self.env._(
                "Settlement %(name)s: %(agent)s",
                name=settlement.name,
                agent=settlement.agent_id.name,
            ),
            self.env._(
                "%(start)s to %(end)s",
                start=fields.Date.to_string(settlement.date_from) or "",
                end=fields.Date.to_string(settlement.date_to),
            ),
            [
                (self.env._("Receipt"), xlsx.TEXT),
                (self.env._("Date"), xlsx.TEXT),
                (self.env._("Subscriber"), xlsx.TEXT),
                (self.env._("Type"), xlsx.TEXT),
                (self.env._("Amount"), xlsx.MONEY),
            ],
            rows,
            total=[
                self.env._("Collected"),
                None,
                None,
                None,
                settlement.amount_collected,
            ],
        )
