from markupsafe import Markup

from odoo import Command, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount

from ..tools.groups import ACCOUNTANT


class FeeAgentSettlement(models.Model):
    """A settlement's books: the entry that empties the agent clearing account of its
    receipts against the outlet's receivable and the commission bill, and the
    remittances that pay the receivable."""

    _inherit = "fee.agent.settlement"

    def _fee_post(self):
        self.ensure_one()
        currency = self.currency_id
        if currency.is_zero(self.amount_collected) and currency.is_zero(
            self.commission_amount
        ):
            return
        company = self.company_id
        env = company._fee_get_lang_env()
        _journal, clearing, commission_account = company._fee_get_agent_setup()
        agent = self.agent_id.with_company(company)
        label = env._("Settlement %(name)s", name=self.name)
        bill = self.env["account.move"]
        if not self.currency_id.is_zero(self.commission_amount):
            bill = (
                self.env["account.move"]
                .with_company(company)
                .create(
                    {
                        "move_type": "in_invoice"
                        if self.commission_amount > 0
                        else "in_refund",
                        "partner_id": agent.id,
                        "invoice_date": self.date_to,
                        "ref": label,
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "name": env._(
                                        "Commission on %(name)s", name=self.name
                                    ),
                                    "account_id": commission_account.id,
                                    "quantity": 1,
                                    "price_unit": abs(self.commission_amount),
                                    "tax_ids": [],
                                }
                            )
                        ],
                    }
                )
            )
            bill.action_post()
        line_vals = [
            (
                clearing,
                -self.amount_collected,
                env._("Receipts of %(name)s", name=label),
            ),
            (
                agent.property_account_receivable_id,
                self.amount_to_remit,
                env._("To remit: %(name)s", name=label),
            ),
            (
                agent.property_account_payable_id,
                self.commission_amount,
                env._("Commission: %(name)s", name=label),
            ),
        ]
        move = (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "entry",
                    "journal_id": company._fee_get_misc_journal().id,
                    "date": fields.Date.context_today(self),
                    "ref": label,
                    "line_ids": [
                        Command.create(
                            {
                                "account_id": account.id,
                                "partner_id": agent.id,
                                "name": name,
                                "balance": balance,
                            }
                        )
                        for account, balance, name in line_vals
                        if not self.currency_id.is_zero(balance)
                    ],
                }
            )
        )
        move.action_post()
        if bill:
            payable = agent.property_account_payable_id
            (bill.line_ids | move.line_ids).filtered(
                lambda line: line.account_id == payable
            ).reconcile()
        self.write({"move_id": move.id, "commission_bill_id": bill.id})
        self.message_post(
            body=Markup("%s")
            % env._(
                "Posted: %(collected)s collected, %(commission)s commission, "
                "%(remit)s to remit.",
                collected=format_amount(env, self.amount_collected, self.currency_id),
                commission=format_amount(env, self.commission_amount, self.currency_id),
                remit=format_amount(env, self.amount_to_remit, self.currency_id),
            )
        )

    def _get_receivable_lines(self):
        self.ensure_one()
        receivable = self.agent_id.with_company(
            self.company_id
        ).property_account_receivable_id
        return self.move_id.line_ids.filtered(
            lambda line: line.account_id == receivable
        )

    def _fee_register_remittance(self, amount, journal, date=None):
        """The outlet pays ``amount`` of what it must remit, in ``journal``: an inbound
        payment reconciled with the settlement's receivable; paid once nothing is owed,
        and the outlet unblocked if credit control blocked it and it is now under its
        limit."""
        self.ensure_one()
        if not self.env.user.has_group(ACCOUNTANT):
            raise UserError(
                self.env._("Only fee collection accountants register remittances.")
            )
        self._lock()
        self._check_state("posted")
        currency = self.currency_id
        due = self.amount_due
        if currency.compare_amounts(amount, 0.0) <= 0:
            raise UserError(self.env._("The amount remitted must be positive."))
        if currency.compare_amounts(amount, due) > 0:
            raise UserError(
                self.env._(
                    "%(amount)s is more than %(agent)s still owes on settlement "
                    "%(name)s (%(due)s).",
                    amount=format_amount(self.env, amount, currency),
                    agent=self.agent_id.display_name,
                    name=self.name,
                    due=format_amount(self.env, due, currency),
                )
            )
        company = self.company_id
        if (
            journal.company_id != company
            or journal.type not in ("bank", "cash")
            or journal == company.fee_agent_journal_id
        ):
            raise UserError(
                self.env._(
                    "%(journal)s is not a bank or cash journal remittances are received "
                    "in.",
                    journal=journal.display_name,
                )
            )
        date = date or fields.Date.context_today(self)
        payment = (
            self.env["account.payment"]
            .sudo()
            .with_company(company)
            .create(
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": self.agent_id.id,
                    "amount": amount,
                    "date": date,
                    "journal_id": journal.id,
                    "memo": self.name,
                }
            )
        )
        payment.action_post()
        receivable = self.sudo()._get_receivable_lines()
        (
            payment.move_id.line_ids.filtered(
                lambda line: line.account_id == receivable.account_id
            )
            | receivable
        ).reconcile()
        vals = {"remittance_ids": [Command.link(payment.id)]}
        if all(receivable.mapped("reconciled")):
            vals.update(
                state="paid",
                paid_date=date,
                days_to_remit=(date - self.date_to).days,
            )
        self.sudo().write(vals)
        self.agent_id.with_company(company)._fee_apply_credit_control()
        return payment
