import math

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, float_is_zero, format_amount

from ..tools.groups import AGENT_STAFF, CASHIER, COLLECTOR

# Longest paper receipt number: longer is a typing or file error.
PAPER_NUMBER_SIZE = 64
# The payment and its reconciliation without the chatter's work per invoice (a tracking
# message, its followers' look-ups ... a dozen queries an invoice): the invoices get one
# note each, in one insert, naming the receipt.
QUIET = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
}


class FeeReceipt(models.Model):
    """The collection process, the one way money is received from a subscriber, whatever
    the channel: its checks, the payment and its reconciliation with the subscriber's
    open items (credit first), the receipt and its number, dunning's reaction and the
    anomalies. ``res.partner._fee_collect`` is its public entry point."""

    _inherit = "fee.receipt"

    @api.model
    def _collect(
        self,
        subscriber,
        amount,
        journal,
        *,
        channel="counter",
        invoices=None,
        date=None,
        session=None,
        order=None,
        agent=None,
        paper_number=None,
        amount_tendered=None,
        user=None,
    ):
        """Receive ``amount`` from ``subscriber`` in ``journal`` and return its receipt
        (``res.partner._fee_collect`` is the public entry point).

        Posts an ``account.payment``, reconciles it with the subscriber's open invoices,
        oldest due first (or with ``invoices`` only), keeps what is left as the
        subscriber's credit, and numbers the receipt from the company's gapless sequence.
        Dunning reacts in the same transaction, once (level lowered, services suspended
        for arrears reconnected). Every channel goes through here: the counter (in the
        cashier's open ``session``), collectors in the field (``order``), agents,
        online payments, backfilled paper receipts (``paper_number``, ``date``, ``user``
        who took the money)."""
        subscriber.ensure_one()
        company = self.env.company
        # Read as the system: an agent outlet's staff may not read the subscriber's
        # file, internal users' right to is checked below.
        partner = subscriber.sudo().commercial_partner_id
        # Which journals a channel takes money in is checked below.
        journal = journal.sudo()
        user = user or self.env.user
        date = date or fields.Date.context_today(self)
        paper_number = (paper_number or "").strip().upper() or None
        self._check_collection(
            partner,
            amount,
            journal,
            channel=channel,
            company=company,
            user=user,
            paper_number=paper_number,
            agent=agent,
        )
        invoices = (
            self._check_invoices(partner, invoices, company) if invoices else None
        )
        session = self.env["fee.cash.session"]._get_for_collection(
            channel, user, company, session
        )
        # An outlet's counter staff have no rights on the subscriber's books: past the
        # checks above, booking is a system step for them.
        booker = self.sudo() if self.env.user.share else self
        Receipt = booker.env["fee.receipt"]
        booker._lock_open_items(partner)
        with booker.env["fee.dunning.reaction"]._judge_once():
            open_lines = Receipt._get_open_receivable_lines(partner, company, invoices)
            payment = booker._create_payments(
                [
                    {
                        "partner": partner,
                        "amount": amount,
                        "journal": journal,
                        "date": date,
                        "paper_number": paper_number,
                    }
                ],
                company,
            )
            payment_lines = payment.move_id.line_ids.filtered(
                lambda line: line.account_type == "asset_receivable"
            )
            # Credit the subscriber already had (an earlier overpayment, a credit note)
            # goes first, then the new payment.
            to_reconcile = open_lines.filtered(
                lambda line: line.account_id == payment_lines.account_id
            )
            if to_reconcile:
                (payment_lines | to_reconcile).with_context(**QUIET).reconcile()
            # What is left on a subscriber whose debt was written off is recovered
            # (坏账收回): booked as income, up to what was written off.
            if payment_lines.filtered(lambda line: not line.reconciled):
                # Not quiet: the write-off tracks what it recovered.
                booker.env["fee.write.off"].sudo()._fee_book_recoveries(
                    partner, company, payment_lines
                )
            change = (
                (journal.currency_id or company.currency_id).round(
                    amount_tendered - amount
                )
                if amount_tendered
                else 0.0
            )
            receipt = Receipt.sudo().create(
                {
                    "date": date,
                    "company_id": company.id,
                    "partner_id": partner.id,
                    "amount": amount,
                    "journal_id": journal.id,
                    "channel": channel,
                    "user_id": user.id,
                    "cash_session_id": session.id,
                    "collection_order_id": order.id if order else False,
                    "agent_id": agent.id if agent else False,
                    "paper_number": paper_number or False,
                    "payment_id": payment.id,
                    "amount_credit": -sum(payment_lines.mapped("amount_residual")),
                    "amount_tendered": amount_tendered or 0.0,
                    "amount_change": max(change, 0.0),
                    "line_ids": [
                        Command.create(vals)
                        for vals in Receipt._prepare_line_vals_list(payment_lines)
                    ],
                }
            )
            receipt.balance_after = booker.env["fee.overdue"]._get_balance(
                partner, company
            )
            # Numbered last (the sequence's row stays locked until the commit), before
            # dunning reacts: orders closed by the payment name their receipt.
            receipt._number()
            with Receipt._fee_unsealed(payment):
                payment.memo = receipt.name
            receipt._log_on_invoices()
        booker.env["fee.anomaly"].sudo()._check_duplicate_receipts(receipt)
        return receipt.with_env(self.env)

    @api.model
    def _create_payments(self, rows, company):
        """The posted payments of ``rows`` (``partner``, ``amount``, ``journal``,
        ``date``, ``paper_number`` as memo until the receipt's number replaces it), as
        one recordset in the rows' order."""
        with self._fee_creating_payments():
            # A system step past the checks: cashiers have no rights on payments.
            payments = (
                self.env["account.payment"]
                .sudo()
                .with_company(company)
                .with_context(**QUIET)
                .create(
                    [
                        {
                            "payment_type": "inbound",
                            "partner_type": "customer",
                            "partner_id": row["partner"].id,
                            "amount": row["amount"],
                            "date": row["date"],
                            "journal_id": row["journal"].id,
                            "memo": row["paper_number"] or False,
                        }
                        for row in rows
                    ]
                )
            )
            payments.action_post()
        return payments

    @api.model
    def _lock_open_items(self, partners):
        """Serialise what changes these subscribers' open items: two payments, or a
        payment and a void, of one subscriber at once. The row is written, not only
        locked: the transaction that commits second then fails to serialise and Odoo
        runs it again, seeing the first's result (a void's reopened invoices, a
        payment's receipt), instead of working on what it read before."""
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET write_date = write_date WHERE id = ANY(%s)",
                partners.ids,
            )
        )

    @api.model
    def _check_collection(
        self, partner, amount, journal, *, channel, company, user, paper_number, agent
    ):
        """Refuse money that cannot be taken, with the reason, before anything is written."""
        if not self.env.su:
            self._check_collector_rights(partner, channel, agent)
        self._check_amount(amount, company)
        self._check_subscriber(partner, company)
        self._check_journal(journal, channel, company, user)
        self._check_receiver(user, channel)
        if channel == "agent":
            if not agent:
                raise UserError(
                    self.env._("Name the agent outlet that took the collection.")
                )
            agent._fee_check_agent_collection(amount, journal, user, company)
        elif agent:
            raise UserError(
                self.env._("Only collections of the agent channel name an agent.")
            )
        if paper_number:
            self._check_paper_number(paper_number, company)

    @api.model
    def _check_subscriber(self, partner, company):
        """Money is taken from the company's subscribers only."""
        if not partner.is_subscriber:
            raise UserError(
                self.env._(
                    "%(partner)s is not a subscriber: money is taken from subscribers "
                    "only.",
                    partner=partner.display_name,
                )
            )
        if partner.company_id != company:
            raise UserError(
                self.env._(
                    "%(partner)s is a subscriber of %(company)s: take the payment in that "
                    "company.",
                    partner=partner.display_name,
                    company=partner.company_id.name or self.env._("no company"),
                )
            )

    @api.model
    def _check_journal(self, journal, channel, company, user):
        """The payment methods a channel takes money in: the company's cash and bank
        journals in its currency; at the counter (and for its backfill) the counter's,
        in the field the collector's."""
        if channel == "field" and journal not in company._fee_get_field_journals(user):
            raise UserError(
                self.env._(
                    "%(journal)s is not a payment method of %(user)s in the field.",
                    journal=journal.display_name,
                    user=user.name,
                )
            )
        if journal.company_id != company or journal.type not in ("cash", "bank"):
            raise UserError(
                self.env._(
                    "%(journal)s is not a payment method of %(company)s.",
                    journal=journal.display_name,
                    company=company.name,
                )
            )
        if journal.currency_id and journal.currency_id != company.currency_id:
            raise UserError(
                self.env._(
                    "%(journal)s takes %(currency)s: subscribers pay in %(company_currency)s "
                    "only.",
                    journal=journal.display_name,
                    currency=journal.currency_id.name,
                    company_currency=company.currency_id.name,
                )
            )
        if channel in ("counter", "import") and (
            journal not in company._fee_get_payment_journals()
        ):
            raise UserError(
                self.env._(
                    "%(journal)s is not a payment method of the counter of %(company)s.",
                    journal=journal.display_name,
                    company=company.name,
                )
            )

    @api.model
    def _check_receiver(self, user, channel):
        """Who took the money: an active employee, or an outlet's staff for its outlet;
        online, the system (Odoo's superuser, an inactive account by design), for the
        provider's confirmation takes the money."""
        if channel == "online" and user._is_superuser():
            return
        if not user.active or (user.share and channel != "agent"):
            raise UserError(
                self.env._("%(user)s cannot take payments.", user=user.display_name)
            )

    @api.model
    def _check_collector_rights(self, partner, channel, agent):
        """Cashiers take money at the counter (and register an outlet's), collectors in
        the field; an outlet's counter staff, who never see the subscriber's file, for
        their own outlet only."""
        user = self.env.user
        if channel == "agent" and user.has_group(AGENT_STAFF):
            if agent and user.partner_id.commercial_partner_id == agent.sudo():
                return
            raise AccessError(
                self.env._("You take payments for your own agent outlet only.")
            )
        group = COLLECTOR if channel == "field" else CASHIER
        if not user.has_group(group):
            raise AccessError(
                self.env._("You are not allowed to take payments of subscribers.")
            )
        partner.with_env(self.env).check_access("read")

    @api.model
    def _check_amount(self, amount, company):
        """An amount of money a receipt may take: a finite positive number, in the
        currency's decimals, at most the company's maximum."""
        currency = company.currency_id
        if not isinstance(amount, (int, float)) or not math.isfinite(amount):
            raise UserError(
                self.env._("%(amount)s is not an amount of money.", amount=amount)
            )
        if currency.compare_amounts(amount, 0.0) <= 0:
            raise UserError(self.env._("The amount received must be positive."))
        if not float_is_zero(
            amount - currency.round(amount),
            precision_digits=currency.decimal_places + 2,
        ):
            raise UserError(
                self.env._(
                    "%(amount)s has more decimals than %(currency)s allows.",
                    amount=amount,
                    currency=currency.name,
                )
            )
        maximum = company.fee_max_receipt_amount
        if maximum and currency.compare_amounts(amount, maximum) > 0:
            raise UserError(
                self.env._(
                    "%(amount)s is more than a receipt may take (%(maximum)s, a setting "
                    "of %(company)s): check the amount.",
                    amount=format_amount(self.env, amount, currency),
                    maximum=format_amount(self.env, maximum, currency),
                    company=company.name,
                )
            )

    @api.model
    def _check_paper_number(self, paper_number, company):
        self._check_paper_number_size(paper_number)
        if (
            self.env["fee.receipt"]
            .sudo()
            .search_count(
                [("company_id", "=", company.id), ("paper_number", "=", paper_number)],
                limit=1,
            )
        ):
            raise UserError(
                self.env._(
                    "Paper receipt %(number)s has already been entered.",
                    number=paper_number,
                )
            )

    @api.model
    def _check_paper_number_size(self, paper_number):
        if len(paper_number) > PAPER_NUMBER_SIZE:
            raise UserError(
                self.env._(
                    "Paper receipt number %(number)s… is longer than %(size)s "
                    "characters.",
                    number=paper_number[:20],
                    size=PAPER_NUMBER_SIZE,
                )
            )

    @api.model
    def _check_invoices(self, partner, invoices, company):
        """The invoices a cashier chose must be this subscriber's, open, of this company."""
        invoices = invoices.sudo()
        wrong = invoices.filtered(
            lambda move: (
                move.commercial_partner_id != partner
                or move.company_id != company
                or move.state != "posted"
                or not move.is_sale_document()
            )
        )
        if wrong:
            raise UserError(
                self.env._(
                    "Invoice %(invoice)s is not an open invoice of %(partner)s.",
                    invoice=wrong[0].display_name,
                    partner=partner.display_name,
                )
            )
        paid = invoices.filtered(
            lambda move: move.payment_state in ("paid", "reversed")
        )
        if paid:
            raise UserError(
                self.env._(
                    "Invoice %(invoice)s has been paid meanwhile.",
                    invoice=paid[0].name,
                )
            )
        return invoices
