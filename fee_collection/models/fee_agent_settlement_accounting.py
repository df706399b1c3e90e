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
        """Book these settlements, all of a company's together: the commission bills in
        one batch, the entries in another, each bill reconciled with its entry's
        payable line. A settlement whose voids cancel its collections books nothing."""
        for company, settlements in self.grouped("company_id").items():
            settlements = settlements.filtered(
                lambda settlement: (
                    not (
                        settlement.currency_id.is_zero(settlement.amount_collected)
                        and settlement.currency_id.is_zero(settlement.commission_amount)
                    )
                )
            )
            if settlements:
                settlements._fee_post_in_company(company)

    def _fee_post_in_company(self, company):
        env = company._fee_get_lang_env()
        _journal, clearing, commission_account = company._fee_get_agent_setup()
        Move = self.env["account.move"].with_company(company)
        billed = self.filtered(
            lambda settlement: (
                not settlement.currency_id.is_zero(settlement.commission_amount)
            )
        )
        bills = Move.create(
            [
                {
                    "move_type": "in_invoice"
                    if settlement.commission_amount > 0
                    else "in_refund",
                    "partner_id": settlement.agent_id.id,
                    "invoice_date": settlement.date_to,
                    "ref": env._("Settlement %(name)s", name=settlement.name),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": env._(
                                    "Commission on %(name)s", name=settlement.name
                                ),
                                "account_id": commission_account.id,
                                "quantity": 1,
                                "price_unit": abs(settlement.commission_amount),
                                "tax_ids": [],
                            }
                        )
                    ],
                }
                for settlement in billed
            ]
        )
        bills.action_post()
        bill_of = dict(zip(billed, bills, strict=True))
        journal = company._fee_get_misc_journal()
        today = fields.Date.context_today(self)
        moves = Move.create(
            [
                settlement._fee_prepare_move_vals(env, clearing, journal, today)
                for settlement in self
            ]
        )
        moves.action_post()
        plan = []
        for settlement, move in zip(self, moves, strict=True):
            bill = bill_of.get(settlement, Move)
            settlement.write({"move_id": move.id, "commission_bill_id": bill.id})
            if bill:
                payable = settlement.agent_id.with_company(
                    company
                ).property_account_payable_id
                plan.append(
                    (bill.line_ids | move.line_ids).filtered(
                        lambda line, payable=payable: line.account_id == payable
                    )
                )
            currency = settlement.currency_id
            settlement.message_post(
                body=Markup("%s")
                % env._(
                    "Posted: %(collected)s collected, %(commission)s commission, "
                    "%(remit)s to remit.",
                    collected=format_amount(env, settlement.amount_collected, currency),
                    commission=format_amount(
                        env, settlement.commission_amount, currency
                    ),
                    remit=format_amount(env, settlement.amount_to_remit, currency),
                )
            )
        if plan:
            self.env["account.move.line"]._reconcile_plan(plan)

    def _fee_prepare_move_vals(self, env, clearing, journal, date):
        """The entry emptying the clearing account of this settlement's receipts against
        what the outlet remits (its receivable) and its commission (its payable)."""
        self.ensure_one()
        agent = self.agent_id.with_company(self.company_id)
        label = env._("Settlement %(name)s", name=self.name)
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
        return {
            "move_type": "entry",
            "journal_id": journal.id,
            "date": date,
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
