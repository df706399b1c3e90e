from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import (
    check_finite_numbers,
    check_protected_fields,
    keep_given_values,
    normalize_id_number,
)


class FeeCounterPayment(models.TransientModel):
    """The cashier's counter (现场收费): find the subscriber by service number, ID number,
    phone or name (typed, or by a barcode or ID-card reader that types into the field),
    see every open invoice with what it bills, take the payment in a method, give change,
    and get the receipt. As at a point of sale, a counter takes one payment: the next
    subscriber gets a fresh counter."""

    _name = "fee.counter.payment"
    _inherit = "fee.collect.form"
    _description = "Counter Payment"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    search_text = fields.Char(
        string="Find",
        help="Service number, ID number, phone number or name of the subscriber.",
    )
    candidate_ids = fields.Many2many(
        "res.partner",
        compute="_compute_candidate_ids",
        string="Matching Subscribers",
    )
    candidate_line_ids = fields.One2many(
        "fee.counter.payment.candidate",
        "wizard_id",
        string="Candidates",
        compute="_compute_candidate_line_ids",
        store=True,
        readonly=False,
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Subscriber",
        compute="_compute_partner_id",
        store=True,
        readonly=False,
        domain="[('id', 'in', candidate_ids)] if candidate_ids "
        "else [('is_subscriber', '=', True)]",
    )
    subscription_ids = fields.One2many(
        related="partner_id.subscription_ids", string="Services"
    )
    dunning_level_id = fields.Many2one(related="partner_id.dunning_level_id")
    id_verified = fields.Boolean(related="partner_id.id_verified")
    line_ids = fields.One2many(
        "fee.counter.payment.line",
        "wizard_id",
        string="Open Invoices",
        compute="_compute_line_ids",
        store=True,
        readonly=False,
    )
    total_due = fields.Monetary(compute="_compute_totals")
    credit = fields.Monetary(
        string="Credit Available",
        compute="_compute_totals",
        help="Payments and credit notes of the subscriber not applied to any invoice.",
    )
    nothing_due = fields.Boolean(
        compute="_compute_totals",
        help="The subscriber owes nothing (its credit covers its invoices): money "
        "taken is a deposit.",
    )
    deposit_confirmed = fields.Boolean(
        help="The cashier confirmed taking money from a subscriber who owes nothing, "
        "as a deposit for the next bills.",
    )
    selected_total = fields.Monetary(compute="_compute_totals")
    fee_payment_method = fields.Selection(related="journal_id.fee_payment_method")
    amount_tendered = fields.Monetary(string="Cash Tendered")
    amount_change = fields.Monetary(string="Change", compute="_compute_amount_change")
    session_id = fields.Many2one("fee.cash.session", compute="_compute_session_id")
    reason_id = fields.Many2one(
        "fee.arrears.reason",
        string="Refusal Reason",
        help="Why the subscriber refuses to pay (拒缴), when they do.",
    )
    receipt_id = fields.Many2one(
        "fee.receipt",
        readonly=True,
        help="The receipt of the payment this counter took: it takes no other.",
    )
    agent_id = fields.Many2one(
        "res.partner",
        string="Agent Outlet",
        domain="[('is_fee_agent', '=', True), ('agent_state', '=', 'active')]",
        help="The outlet that took this money, when the cashier registers a collection "
        "it brings: booked in the agents' journal, and the outlet's until it is "
        "settled, not in the cashier's session.",
    )

    @api.model
    def default_get(self, fields_list):
        # The web client titles a new record by its display name as a default, "New"
        # without one: the counter is "Counter" from the start.
        defaults = super().default_get(fields_list)
        if "display_name" in fields_list:
            defaults["display_name"] = self.env._("Counter")
        return defaults

    @api.model_create_multi
    def create(self, vals_list):
        check_finite_numbers(self, vals_list)
        for vals in vals_list:
            check_protected_fields(self, vals, {"receipt_id": None})
        wizards = super().create(vals_list)
        keep_given_values(wizards, vals_list, ["journal_id", "amount"])
        return wizards

    def write(self, vals):
        check_finite_numbers(self, [vals])
        check_protected_fields(self, vals, {"receipt_id": None})
        return super().write(vals)

    def _compute_display_name(self):
        self.display_name = self.env._("Counter")

    @api.depends("search_text", "company_id")
    def _compute_candidate_ids(self):
        for wizard in self:
            wizard.candidate_ids = wizard._find_subscribers(wizard.search_text)

    @api.depends("candidate_ids")
    def _compute_candidate_line_ids(self):
        for wizard in self:
            # A single match is the subscriber at once: candidates are for namesakes.
            candidates = wizard.candidate_ids if len(wizard.candidate_ids) > 1 else []
            wizard.candidate_line_ids = [Command.clear()] + [
                Command.create({"partner_id": partner.id}) for partner in candidates
            ]

    @api.depends("candidate_ids")
    def _compute_partner_id(self):
        for wizard in self:
            if len(wizard.candidate_ids) == 1:
                wizard.partner_id = wizard.candidate_ids
            elif wizard.search_text:
                wizard.partner_id = False

    @api.depends("partner_id")
    def _compute_line_ids(self):
        for wizard in self:
            invoices = wizard._get_open_invoices()
            wizard.line_ids = [Command.clear()] + [
                Command.create({"move_id": invoice.id}) for invoice in invoices
            ]

    @api.depends("line_ids.selected", "line_ids.amount_residual", "partner_id")
    def _compute_totals(self):
        for wizard in self:
            wizard.total_due = sum(wizard.line_ids.mapped("amount_residual"))
            wizard.selected_total = sum(
                wizard.line_ids.filtered("selected").mapped("amount_residual")
            )
            partner = wizard.partner_id._origin.commercial_partner_id
            balance = (
                self.env["fee.overdue"]._get_balance(partner, wizard.company_id)
                if partner
                else 0.0
            )
            wizard.credit = max(wizard.total_due - balance, 0.0)
            wizard.nothing_due = (
                bool(partner) and wizard.currency_id.compare_amounts(balance, 0.0) <= 0
            )

    @api.depends("company_id", "agent_id")
    def _compute_journal_ids(self):
        for wizard in self:
            wizard.journal_ids = (
                wizard.company_id.fee_agent_journal_id
                if wizard.agent_id
                else wizard.company_id._fee_get_payment_journals()
            )

    @api.depends("journal_ids")
    def _compute_journal_id(self):
        for wizard in self:
            if wizard.journal_id not in wizard.journal_ids:
                cash = wizard.journal_ids.filtered(
                    lambda journal: journal.fee_payment_method == "cash"
                )
                wizard.journal_id = cash[:1] or wizard.journal_ids[:1]

    @api.depends("total_due", "selected_total", "credit")
    def _compute_amount(self):
        for wizard in self:
            wizard.amount = wizard.selected_total or max(
                wizard.total_due - wizard.credit, 0.0
            )

    @api.onchange("candidate_line_ids")
    def _onchange_candidate_line_ids(self):
        """A candidate clicked is the subscriber; its button is ready again."""
        chosen = self.candidate_line_ids.filtered("chosen")
        if chosen:
            self.partner_id = chosen[0].partner_id
            chosen.chosen = False

    @api.depends("amount", "amount_tendered", "fee_payment_method")
    def _compute_amount_change(self):
        for wizard in self:
            wizard.amount_change = (
                max(wizard.amount_tendered - wizard.amount, 0.0)
                if wizard.fee_payment_method == "cash" and wizard.amount_tendered
                else 0.0
            )

    @api.depends("company_id")
    def _compute_session_id(self):
        for wizard in self:
            wizard.session_id = (
                self.env["fee.cash.session"]
                .sudo()
                .search(
                    [
                        ("user_id", "=", self.env.uid),
                        ("company_id", "=", wizard.company_id.id),
                        ("state", "=", "open"),
                    ],
                    limit=1,
                )
            )

    # ------------------------------------------------------------------
    # Look-up
    # ------------------------------------------------------------------

    @api.model
    def _find_subscribers(self, text):
        """Subscribers matching ``text``: a service number or an ID number exactly, else a
        phone number (as typed or as formatted), else a part of the name."""
        text = (text or "").strip()
        Partner = self.env["res.partner"]
        if not text:
            return Partner
        services = self.env["fee.subscription"].search(
            [("service_number", "=", text)], limit=20
        )
        if services:
            return services.partner_id.commercial_partner_id
        by_id = Partner.search(
            [
                ("is_subscriber", "=", True),
                ("id_number", "=", normalize_id_number(text)),
            ],
            limit=20,
        )
        if by_id:
            return by_id
        phone = Partner._phone_format(number=text) or text
        by_phone = Partner.search(
            [
                ("is_subscriber", "=", True),
                "|",
                "|",
                "|",
                ("phone_sanitized", "=", phone),
                ("phone", "=", text),
                ("mobile", "=", text),
                ("mobile2", "=", text),
            ],
            limit=20,
        )
        return by_phone or Partner.search(
            [("is_subscriber", "=", True), ("name", "ilike", text)], limit=20
        )

    def _get_open_invoices(self):
        self.ensure_one()
        partner = self.partner_id._origin.commercial_partner_id
        if not partner:
            return self.env["account.move"]
        # Found through their open receivable items: the subscriber's few among a
        # million invoices, by the indexed partner of the items.
        lines = self.env["account.move.line"].search(
            [
                *self.env["fee.overdue"]._open_items_domain(partner, self.company_id),
                ("amount_residual", ">", 0),
            ]
        )
        return lines.move_id.filtered(
            lambda move: move.move_type == "out_invoice"
        ).sorted(lambda move: (move.invoice_date_due, move.id))

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_open_session(self):
        """Open the cashier's shift: a dialog asks for the float first."""
        self.ensure_one()
        return (
            self.env["fee.cash.session"]
            .with_company(self.company_id)
            .action_open_shift()
        )

    def action_open_my_session(self):
        """The cashier's session, to count the cash and close the shift."""
        self.ensure_one()
        return self._open_form(self.session_id)

    def action_pay(self):
        """Post the payment, reconcile it, and open the receipt to print. A counter pays
        once (locked against a second click racing the first); money from a subscriber
        who owes nothing is a deposit the cashier confirms first."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM %s WHERE id = %s FOR UPDATE",
                SQL.identifier(self._table),
                self.id,
            )
        )
        if self.receipt_id:
            raise UserError(
                self.env._(
                    "This counter already took receipt %(receipt)s: take the next "
                    "payment at a new counter.",
                    receipt=self.receipt_id.name,
                )
            )
        if not self.partner_id:
            raise UserError(self.env._("Find the subscriber first."))
        if self.nothing_due and not self.deposit_confirmed:
            raise UserError(
                self.env._(
                    "%(subscriber)s owes nothing: confirm that the money is a deposit "
                    "for the next bills.",
                    subscriber=self.partner_id.name,
                )
            )
        if not self.journal_id:
            raise UserError(self.env._("Choose the payment method."))
        if (
            self.fee_payment_method == "cash"
            and self.amount_tendered
            and self.currency_id.compare_amounts(self.amount_tendered, self.amount) < 0
        ):
            raise UserError(
                self.env._("The cash tendered is less than the amount received.")
            )
        selected = self.line_ids.filtered("selected").move_id
        receipt = self.partner_id.with_company(self.company_id)._fee_collect(
            self.amount,
            self.journal_id,
            channel="agent" if self.agent_id else "counter",
            invoices=selected or None,
            session=None if self.agent_id else self.session_id,
            amount_tendered=None if self.agent_id else self.amount_tendered or None,
            agent=self.agent_id or None,
        )
        self.sudo().receipt_id = receipt
        return self._open_form(receipt)

    def action_pay_deposit(self):
        """Pay, the cashier having confirmed that the money of a subscriber who owes
        nothing is a deposit."""
        self.ensure_one()
        self.deposit_confirmed = True
        return self.action_pay()

    def action_record_refusal(self):
        """The subscriber refuses to pay (拒缴): the reason goes to the subscriber's file
        and chatter."""
        self.ensure_one()
        if not self.partner_id or not self.reason_id:
            raise UserError(
                self.env._("Find the subscriber and choose the refusal reason.")
            )
        partner = self.partner_id.commercial_partner_id
        partner.arrears_reason_id = self.reason_id
        env = self.company_id._fee_get_lang_env()
        partner._message_log(
            body=env._(
                "Refused to pay %(amount)s at the counter: %(reason)s",
                amount=self.currency_id.with_env(env).format(self.total_due),
                reason=self.reason_id.with_env(env).name,
            )
        )
        return self._open_form(self)
