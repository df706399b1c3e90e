from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount


class FeeWriteOff(models.Model):
    """The recovery of a bad debt (坏账收回): what the subscriber pays after the
    write-off is booked as recovered income, up to what was written off."""

    _inherit = "fee.write.off"

    def action_book_recovery(self):
        """Book as recovered what the subscriber paid after the write-off and is still
        unapplied (a payment registered in accounting rather than at the counter)."""
        self._check_accountant()
        self._check_state("approved")
        for write_off in self:
            partner = write_off.partner_id.commercial_partner_id
            company = write_off.company_id
            recoveries = self.sudo()._fee_book_recoveries(
                partner,
                company,
                self.sudo()._get_credit_lines(partner, company),
                write_offs=write_off.sudo(),
            )
            if not recoveries:
                raise UserError(
                    self.env._(
                        "%(partner)s has no payment left to book as recovered on "
                        "%(name)s.",
                        partner=partner.display_name,
                        name=write_off.name,
                    )
                )
        return True

    @api.model
    def _fee_book_recoveries(self, partner, company, credit_lines, write_offs=None):
        """Book the unapplied credit of ``credit_lines`` (receivable credit items of the
        subscriber ``partner``) as recovered on its approved write-offs (or on
        ``write_offs`` only) not yet fully recovered, the oldest first, up to what each
        wrote off: one entry per write-off, the receivable debited (reconciled with the
        credit) and the recovery income credited. A system step of the payment; returns
        the entries."""
        moves = self.env["account.move"]
        credit_lines = credit_lines.filtered(
            lambda line: (
                line.account_type == "asset_receivable"
                and line.parent_state == "posted"
                and not line.reconciled
                and company.currency_id.compare_amounts(line.amount_residual, 0.0) < 0
            )
        )
        if not credit_lines:
            return moves
        domain = [
            ("partner_id", "=", partner.id),
            ("company_id", "=", company.id),
            ("state", "=", "approved"),
        ]
        if write_offs is not None:
            domain.append(("id", "in", write_offs.ids))
        write_offs = self.search(domain, order="id")
        if not write_offs:
            return moves
        # A payment taken at the same time for the same subscriber waits here, then
        # sees what this one recovered.
        write_offs._lock()
        write_offs = write_offs.filtered(
            lambda write_off: (
                company.currency_id.compare_amounts(write_off.amount_unrecovered, 0.0)
                > 0
            )
        )
        if not write_offs:
            return moves
        _expense_account, recovery_account = company._fee_get_write_off_accounts()
        env = company._fee_get_lang_env()
        for account, lines in credit_lines.grouped("account_id").items():
            available = -sum(lines.mapped("amount_residual"))
            for write_off in write_offs:
                amount = min(available, write_off.amount_unrecovered)
                if company.currency_id.compare_amounts(amount, 0.0) <= 0:
                    continue
                move = moves.with_context(
                    mail_create_nolog=True, mail_create_nosubscribe=True
                ).create(
                    write_off._prepare_recovery_move_vals(
                        account, recovery_account, amount
                    )
                )
                move.action_post()
                (
                    move.line_ids.filtered(
                        lambda line, account=account: line.account_id == account
                    )
                    | lines.filtered(lambda line: not line.reconciled)
                ).reconcile()
                moves |= move
                available -= amount
                write_off.amount_recovered += amount
                write_off.message_post(
                    body=env._(
                        "%(amount)s recovered (%(move)s).",
                        amount=format_amount(env, amount, company.currency_id),
                        move=move.name,
                    ),
                )
        return moves

    def _prepare_recovery_move_vals(self, receivable_account, recovery_account, amount):
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        label = self.company_id._fee_get_lang_env()._(
            "Bad debt recovered (%(name)s)", name=self.name
        )
        return {
            "move_type": "entry",
            "journal_id": self.company_id._fee_get_misc_journal().id,
            "date": fields.Date.context_today(self),
            "ref": label,
            "company_id": self.company_id.id,
            "fee_recovered_write_off_id": self.id,
            "line_ids": [
                Command.create(
                    {
                        "account_id": receivable_account.id,
                        "partner_id": partner.id,
                        "name": label,
                        "balance": amount,
                    }
                ),
                Command.create(
                    {
                        "account_id": recovery_account.id,
                        "partner_id": partner.id,
                        "name": label,
                        "balance": -amount,
                    }
                ),
            ],
        }

    @api.model
    def _get_credit_lines(self, partner, company):
        """The subscriber's unapplied payments: receivable credit items of payments
        (not credit notes: they are no money received) not reconciled."""
        return self.env["account.move.line"].search(
            [
                "|",
                ("move_id.origin_payment_id", "!=", False),
                ("move_id.statement_line_id", "!=", False),
                *self.env["fee.overdue"]._open_items_domain(partner, company),
                ("amount_residual", "<", 0),
            ],
            order="date, id",
        )
