from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..tools.groups import MANAGER


class FeeLateFeeWaive(models.TransientModel):
    """Waive the late fee of invoices (manager): a credit note cancels what was charged and
    no more late fee accrues on them."""

    _name = "fee.late.fee.waive"
    _description = "Waive Late Fee"

    move_ids = fields.Many2many(
        "account.move",
        string="Invoices",
        required=True,
        default=lambda self: self._default_move_ids(),
    )
    reason = fields.Char(required=True)

    @api.model
    def _default_move_ids(self):
        if self.env.context.get("active_model") == "account.move":
            return self.env["account.move"].browse(self.env.context.get("active_ids"))
        return self.env["account.move"]

    def action_confirm(self):
        self.ensure_one()
        if not self.env.user.has_group(MANAGER):
            raise UserError(
                self.env._("Only fee collection managers can waive late fees.")
            )
        moves = self.move_ids.filtered(lambda move: not move.late_fee_waived)
        credit_vals = []
        for partner, partner_moves in (
            moves.filtered("late_fee_charged").grouped("commercial_partner_id").items()
        ):
            company = partner_moves.company_id[:1]
            credit_vals.append(
                {
                    "move_type": "out_refund",
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "ref": self.reason,
                    "fee_charge_type": "late_fee",
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": company.late_fee_product_id.id,
                                # The credit note goes to the subscriber.
                                "name": self.with_context(lang=partner.lang).env._(
                                    "Late fee waived on %(invoice)s", invoice=move.name
                                ),
                                "price_unit": move.late_fee_charged,
                                "late_fee_source_move_id": move.id,
                            }
                        )
                        for move in partner_moves
                    ],
                }
            )
        with self.env["fee.dunning.reaction"]._judge_once():
            credit_notes = self.env["account.move"].sudo().create(credit_vals)
            credit_notes.action_post()
            moves.sudo().write(
                {"late_fee_waived": True, "late_fee_waive_reason": self.reason}
            )
            self._reconcile_with_late_fee_invoices(credit_notes, moves)
        return {"type": "ir.actions.act_window_close"}

    def _reconcile_with_late_fee_invoices(self, credit_notes, moves):
        """Apply each credit note to the open late-fee invoices of its subscriber."""
        fee_invoices = moves.late_fee_line_ids.move_id.filtered(
            lambda move: move.move_type == "out_invoice" and move.state == "posted"
        )
        invoices_by_partner = fee_invoices.grouped("commercial_partner_id")
        for credit_note in credit_notes:
            partner_invoices = invoices_by_partner.get(
                credit_note.commercial_partner_id, fee_invoices.browse()
            )
            receivables = (credit_note | partner_invoices).line_ids.filtered(
                lambda line: (
                    line.account_type == "asset_receivable" and not line.reconciled
                )
            )
            receivables.reconcile()
