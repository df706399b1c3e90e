import base64
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_amount, format_date

from ..tools import check_protected_fields
from . import fee_state_mixin  # noqa: F401

# The workflow's fields: preparing, exporting and importing write them.
WORKFLOW_FIELDS = dict.fromkeys(
    ("name", "state", "file", "file_name", "return_attachment_ids")
)
# What the instruction file was made of: fixed once it is exported.
SETTINGS_FIELDS = ("company_id", "bank_id", "journal_id", "date", "layout")


class FeeBankCollection(models.Model):
    """A direct debit run (银行代扣批次) of a company at one bank: the subscribers whose
    mandate is in force at that bank, each for what they owe on the debit date, sent
    to the bank as its instruction file; then the bank's return file, imported: the
    debits paid become receipts of channel Bank in the run's bank journal, all in one
    step, the failed ones are listed with the bank's reason and left to dunning.

    A return file is imported all or nothing, and once: lines already settled are
    skipped and a file imported before is refused, so that nothing is booked twice."""

    _name = "fee.bank.collection"
    _description = "Direct Debit Run"
    _inherit = ["mail.thread", "fee.state.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True, copy=False, default="/")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    bank_id = fields.Many2one(
        "res.bank",
        required=True,
        tracking=True,
        help="The bank that debits its account holders: the run takes the mandates at "
        "this bank.",
    )
    journal_id = fields.Many2one(
        "account.journal",
        string="Bank Journal",
        required=True,
        tracking=True,
        check_company=True,
        domain="[('type', '=', 'bank')]",
        default=lambda self: self._default_journal_id(),
        help="The account the bank pays the debited money into.",
    )
    date = fields.Date(
        string="Debit Date",
        required=True,
        default=fields.Date.context_today,
        tracking=True,
        help="The day the bank debits: what is due on or before it is debited, and "
        "the receipts are dated on it.",
    )
    layout = fields.Selection(
        selection="_get_layout_selection",
        string="File Layout",
        compute="_compute_layout",
        store=True,
        readonly=False,
        required=True,
        precompute=True,
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("exported", "Sent to Bank"),
            ("partial", "Partly Answered"),
            ("done", "Done"),
            ("cancel", "Cancelled"),
        ],
        required=True,
        default="draft",
        readonly=True,
        tracking=True,
        index=True,
        copy=False,
    )
    line_ids = fields.One2many(
        "fee.bank.collection.line", "collection_id", string="Debits", readonly=True
    )
    file = fields.Binary(
        string="Instruction File", readonly=True, copy=False, attachment=True
    )
    file_name = fields.Char(readonly=True, copy=False)
    return_attachment_ids = fields.Many2many(
        "ir.attachment",
        "fee_bank_collection_return_rel",
        "collection_id",
        "attachment_id",
        string="Return Files",
        readonly=True,
        copy=False,
    )
    line_count = fields.Integer(compute="_compute_totals", string="Number of Debits")
    amount_total = fields.Monetary(compute="_compute_totals", string="Total")
    paid_count = fields.Integer(compute="_compute_totals", string="Paid")
    amount_paid = fields.Monetary(compute="_compute_totals")
    failed_count = fields.Integer(compute="_compute_totals", string="Failed")
    amount_failed = fields.Monetary(compute="_compute_totals")
    pending_count = fields.Integer(compute="_compute_totals", string="Unanswered")

    def _default_journal_id(self):
        Journal = self.env["account.journal"]
        return Journal.search(
            [*Journal._check_company_domain(self.env.company), ("type", "=", "bank")],
            limit=1,
        )

    @api.model
    def _get_layout_selection(self):
        return self.env["fee.bank.layout"]._get_layouts()

    @api.depends("bank_id")
    def _compute_layout(self):
        for collection in self:
            collection.layout = collection.bank_id.fee_debit_layout or "generic"

    def _compute_totals(self):
        totals = {}
        for collection, state, count, amount in self.env[
            "fee.bank.collection.line"
        ]._read_group(
            [("collection_id", "in", self.ids)],
            ["collection_id", "state"],
            ["__count", "amount:sum"],
        ):
            totals[collection, state] = (count, amount)
        for collection in self:
            paid, failed, pending = (
                totals.get((collection, state), (0, 0.0))
                for state in ("paid", "failed", "pending")
            )
            collection.line_count = paid[0] + failed[0] + pending[0]
            collection.amount_total = paid[1] + failed[1] + pending[1]
            collection.paid_count, collection.amount_paid = paid
            collection.failed_count, collection.amount_failed = failed
            collection.pending_count = pending[0]

    @api.constrains("journal_id")
    def _check_journal(self):
        for collection in self:
            journal = collection.journal_id
            currency = journal.currency_id
            if journal.type != "bank" or (
                currency and currency != collection.currency_id
            ):
                raise ValidationError(
                    self.env._(
                        "%(journal)s is not a bank journal in %(currency)s.",
                        journal=journal.display_name,
                        currency=collection.currency_id.name,
                    )
                )

    @api.constrains("company_id", "bank_id", "date", "state")
    def _check_one_run_a_day(self):
        """One run a day per bank: a second one would ask the bank to debit the same
        subscribers again."""
        for collection in self.filtered(lambda c: c.state != "cancel"):
            if self.search_count(
                [
                    ("id", "!=", collection.id),
                    ("company_id", "=", collection.company_id.id),
                    ("bank_id", "=", collection.bank_id.id),
                    ("date", "=", collection.date),
                    ("state", "!=", "cancel"),
                ],
                limit=1,
            ):
                raise ValidationError(
                    self.env._(
                        "%(bank)s already has a debit run on %(date)s.",
                        bank=collection.bank_id.name,
                        date=format_date(self.env, collection.date),
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        # Numbered once the user is known to be allowed to create runs.
        self.check_access("create")
        for vals in vals_list:
            check_protected_fields(self.browse(), vals, WORKFLOW_FIELDS)
            vals["name"] = self.env["ir.sequence"]._fee_next_name(self._name, vals)
        return super().create(vals_list)

    def write(self, vals):
        check_protected_fields(self, vals, WORKFLOW_FIELDS)
        if not self.env.su and vals.keys() & set(SETTINGS_FIELDS):
            sent = self.filtered(lambda c: c.state != "draft")
            if sent:
                raise UserError(
                    self.env._(
                        "%(run)s was sent to the bank: its bank, journal, date and file "
                        "layout cannot change.",
                        run=sent[0].name,
                    )
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sent(self):
        if self.filtered(lambda c: c.state not in ("draft", "cancel")):
            raise UserError(
                self.env._("A run sent to the bank is kept: cancel it instead.")
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_prepare(self):
        """List the subscribers to debit (the run's lines), afresh."""
        self.check_access("write")
        self._lock()
        for collection in self:
            collection._check_state("draft")
            collection.line_ids.sudo().unlink()
            vals_list, notes = collection._get_line_vals_list()
            lines = (
                self.env["fee.bank.collection.line"].sudo().create(vals_list)
            ).with_env(self.env)
            collection._message_log(
                body=" ".join(
                    [
                        self.env._(
                            "%(count)s debits prepared, %(amount)s.",
                            count=len(lines),
                            amount=format_amount(
                                self.env,
                                sum(lines.mapped("amount")),
                                collection.currency_id,
                            ),
                        ),
                        *notes,
                    ]
                )
            )
        return True

    def action_export(self):
        """Write the bank's instruction file and download it; the run is then sent."""
        self.ensure_one()
        self.check_access("write")
        self._lock()
        self._check_state("draft")
        if not self.line_ids:
            raise UserError(
                self.env._(
                    "%(run)s has nothing to debit: prepare it first, or no subscriber "
                    "with a mandate at %(bank)s owes anything.",
                    run=self.name,
                    bank=self.bank_id.name,
                )
            )
        data = self.env["fee.bank.layout"]._write_instruction_file(self)
        self.sudo().write(
            {
                "file": base64.b64encode(data),
                "file_name": f"{self.name.replace('/', '-')}.csv",
                "state": "exported",
            }
        )
        self._message_log(
            body=self.env._(
                "Instruction file of %(count)s debits, %(amount)s, sent to %(bank)s.",
                count=self.line_count,
                amount=format_amount(self.env, self.amount_total, self.currency_id),
                bank=self.bank_id.name,
            )
        )
        return self.action_download()

    def action_download(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self._name}/{self.id}/file/{self.file_name}"
            "?download=true",
            "target": "self",
        }

    def action_open_return_import(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Import the Bank's Return File"),
            "res_model": "fee.bank.return.import",
            "view_mode": "form",
            "target": "new",
            "context": {"default_collection_id": self.id},
        }

    def action_close(self):
        """Close runs the bank answered in part: the debits it did not answer failed."""
        self.check_access("write")
        self._lock()
        self._check_state("exported", "partial")
        lines = self.line_ids.filtered(lambda line: line.state == "pending")
        lines.sudo().write(
            {"state": "failed", "reason": self.env._("No answer from the bank")}
        )
        self.sudo().state = "done"
        return True

    def action_cancel(self):
        """Cancel runs the bank has not answered: their subscribers are debited by a
        later run. A run the bank answered in part is closed instead."""
        self.check_access("write")
        self._lock()
        self._check_state("draft", "exported")
        self.sudo().state = "cancel"
        return True

    def action_view_receipts(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Receipts"),
            "res_model": "fee.receipt",
            "view_mode": "list,form",
            "domain": [("id", "in", self.line_ids.receipt_id.ids)],
            "context": {"create": False},
        }

    # ------------------------------------------------------------------
    # Preparing
    # ------------------------------------------------------------------

    def _get_mandates_to_debit(self):
        """{subscriber: mandate} of the mandates in force at the run's bank, the latest
        signed of a subscriber's; the mandates of closed services end here. Returns it
        and the mandates ended."""
        self.ensure_one()
        mandates = self.env["fee.bank.mandate"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("bank_id", "=", self.bank_id.id),
                ("state", "=", "active"),
            ],
            order="signed_date desc, id desc",
        )
        ended = mandates._end_for_closed_services()
        by_partner = {}
        for mandate in mandates - ended:
            by_partner.setdefault(mandate.partner_id, mandate)
        return by_partner, ended

    def _get_partners_awaiting_bank(self, partners):
        """The subscribers another run sent to a bank that has not answered for them:
        debiting them again would take the money twice."""
        self.ensure_one()
        return {
            partner
            for [partner] in self.env["fee.bank.collection.line"]._read_group(
                [
                    ("partner_id", "in", partners.ids),
                    ("state", "=", "pending"),
                    ("collection_id", "!=", self.id),
                    ("collection_id.state", "in", ("exported", "partial")),
                ],
                ["partner_id"],
            )
        }

    def _get_line_vals_list(self):
        """The lines of the run (a subscriber's mandate and what they owe on the debit
        date, from one read of the overdue figures), and notes on whom it leaves out."""
        self.ensure_one()
        by_partner, ended = self._get_mandates_to_debit()
        partners = self.env["res.partner"].union(*by_partner)
        awaiting = self._get_partners_awaiting_bank(partners)
        overdue = self.env["fee.overdue"]._get_overdue_data(
            self.date + timedelta(days=1), self.company_id, partners.ids
        )
        currency = self.currency_id
        maximum = self.company_id.fee_max_receipt_amount
        too_much = self.env["res.partner"]
        vals_list = []
        compact_name = self.name.replace("/", "")
        mandates = sorted(by_partner.values(), key=lambda m: m.name)
        for mandate in mandates:
            partner = mandate.partner_id
            amount = overdue.get(partner.id, {}).get("amount", 0.0)
            if partner in awaiting or currency.compare_amounts(amount, 0.0) <= 0:
                continue
            if maximum and currency.compare_amounts(amount, maximum) > 0:
                too_much |= partner
                continue
            sequence = len(vals_list) + 1
            vals_list.append(
                {
                    "collection_id": self.id,
                    "sequence": sequence,
                    "reference": f"{compact_name}-{sequence:05d}",
                    "mandate_id": mandate.id,
                    "partner_id": partner.id,
                    "acc_number": mandate.acc_number,
                    "holder_name": mandate.holder_name,
                    "amount": amount,
                }
            )
        notes = []
        if ended:
            notes.append(
                self.env._(
                    "Mandates ended, their service being closed: %(mandates)s.",
                    mandates=", ".join(ended.mapped("name")),
                )
            )
        if awaiting:
            notes.append(
                self.env._(
                    "Left out, a bank has not answered their last debit yet: "
                    "%(partners)s.",
                    partners=", ".join(sorted(p.display_name for p in awaiting)),
                )
            )
        if too_much:
            notes.append(
                self.env._(
                    "Left out, owing more than a receipt may take: %(partners)s.",
                    partners=", ".join(too_much.mapped("display_name")),
                )
            )
        return vals_list, notes

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _get_state_refusal(self, state):
        return self.env._(
            "%(run)s is %(state)s: this cannot be done now.", run=self.name, state=state
        )

    def _lock(self):
        """Serialise what settles these runs: two imports of a return file at once. The
        row is written, not only locked: the transaction that commits second fails to
        serialise and Odoo runs it again, finding the file imported."""
        self.env.cr.execute(
            SQL(
                "UPDATE fee_bank_collection SET write_date = write_date "
                "WHERE id = ANY(%s)",
                self.ids,
            )
        )
        self.invalidate_recordset()
