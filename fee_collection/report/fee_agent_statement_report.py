from odoo import api, models
from odoo.tools import format_amount

from ..tools import amount_in_chinese_capitals


class FeeAgentStatementReport(models.AbstractModel):
    """The settlement statement (合作单位结算单) an outlet signs: read as a system step
    once the user is known to be allowed to read the settlements (an accountant, or the
    outlet's own staff, who cannot read the subscribers or the payments it lists)."""

    _name = "report.fee_collection.report_fee_agent_statement"
    _description = "Agent Settlement Statement"

    @api.model
    def _get_report_values(self, docids, data=None):
        settlements = self.env["fee.agent.settlement"].browse(docids)
        settlements.check_access("read")
        return {
            "doc_ids": docids,
            "doc_model": "fee.agent.settlement",
            "docs": settlements.sudo(),
            "figures": self._get_figures,
            "commission_terms": self._get_commission_terms,
            "amount_in_words": self._amount_in_words,
        }

    @api.model
    def _get_figures(self, settlement):
        """The statement's lines and what it does not store: its collections, its void
        adjustments, and what the outlet remitted on it so far."""
        lines = settlement.line_ids
        remittances = settlement.remittance_ids.filtered(
            lambda payment: payment.state not in ("draft", "canceled", "rejected")
        )
        return {
            "collections": lines.filtered(lambda line: line.line_type == "collection"),
            "adjustments": lines.filtered(lambda line: line.line_type == "adjustment"),
            "remitted": settlement.currency_id.round(sum(remittances.mapped("amount"))),
        }

    @api.model
    def _get_commission_terms(self, settlement):
        """How the commission was reckoned: its rate, or so much per receipt."""
        env = settlement.env
        if settlement.commission_rate or not settlement.receipt_count:
            rate = f"{settlement.commission_rate:.2f}"
            return env._("%(rate)s%% of collected", rate=rate)
        return env._(
            "%(amount)s per receipt × %(count)s",
            amount=format_amount(
                env,
                settlement.commission_amount / settlement.receipt_count,
                settlement.currency_id,
            ),
            count=settlement.receipt_count,
        )

    @api.model
    def _amount_in_words(self, amount, currency):
        """In Chinese capitals (大写金额) for yuan, as the receipts write them; in the
        currency's words otherwise. Nothing for an amount the company owes back."""
        if currency.compare_amounts(amount, 0.0) < 0:
            return ""
        if currency.name == "CNY":
            return amount_in_chinese_capitals(amount)
        return currency.amount_to_text(amount)
