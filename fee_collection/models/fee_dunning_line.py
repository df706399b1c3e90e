from odoo import Command, api, fields, models
from odoo.tools import format_amount, format_date

from . import fee_pay_link_mixin, fee_sms_mixin  # noqa: F401


class FeeDunningLine(models.Model):
    """A subscriber's step in a dunning run: the level it moves to, and why, as
    previewed; executed, what the level did (``action_ids``)."""

    _name = "fee.dunning.line"
    _description = "Dunning Line"
    _inherit = ["fee.sms.mixin", "fee.pay.link.mixin"]
    _order = "run_id desc, id"
    _check_company_auto = True

    run_id = fields.Many2one(
        "fee.dunning.run", required=True, index=True, ondelete="cascade"
    )
    # The run's date and company, written by the run with each line (a stored related
    # field would cost an UPDATE of every line created).
    date = fields.Date(required=True, readonly=True)
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    # Computed rather than related: creating lines then rounds no amount through a
    # new record per line (the run's amounts are already rounded).
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id")
    partner_id = fields.Many2one(
        "res.partner", string="Subscriber", required=True, index=True
    )
    invoice_ids = fields.Many2many(
        "account.move",
        "fee_dunning_line_account_move_rel",
        "line_id",
        "move_id",
        string="Overdue Invoices",
    )
    amount_due = fields.Monetary(string="Overdue")
    amount_due_text = fields.Char(
        string="Overdue (as written)",
        compute="_compute_amount_due_text",
        help="The overdue amount with its currency, in the subscriber's language, for "
        "messages.",
    )
    days_overdue = fields.Integer()
    previous_level_id = fields.Many2one("fee.dunning.level", string="From Level")
    level_id = fields.Many2one("fee.dunning.level", string="To Level")
    state = fields.Selection(
        [("draft", "To Do"), ("done", "Done"), ("skipped", "Skipped")],
        required=True,
        default="draft",
        index=True,
    )
    skip_reason = fields.Char()
    change_reason = fields.Char(
        string="Why Lower", help="Why the subscriber's level drops."
    )
    action_ids = fields.One2many("fee.dunning.action", "line_id", string="Actions")
    order_ids = fields.One2many(
        "fee.collection.order", "dunning_line_id", string="Orders"
    )
    late_fee_move_id = fields.Many2one(
        "account.move", string="Charges Invoice", readonly=True
    )
    call_script = fields.Html(related="level_id.call_script")
    letter_body = fields.Html(related="level_id.letter_body")

    @api.depends("run_id.name", "partner_id.name")
    def _compute_display_name(self):
        for line in self:
            line.display_name = f"{line.run_id.name} · {line.partner_id.name}"

    @api.depends("company_id")
    def _compute_currency_id(self):
        for line in self:
            line.currency_id = line.company_id.currency_id

    @api.depends("amount_due", "currency_id", "partner_id.lang")
    def _compute_amount_due_text(self):
        """Formatted once per amount, currency and language: a run messages thousands of
        subscribers who mostly owe the same few amounts."""
        texts = {}
        for line in self:
            key = (line.amount_due, line.currency_id, line.partner_id.lang)
            if key not in texts:
                texts[key] = format_amount(self.env, *key)
            line.amount_due_text = texts[key]

    def _execute(self):
        """Do what each line's level says, after checking the subscriber's balance again."""
        run = self.run_id
        figures = self.env["fee.overdue"]._get_overdue_data(
            run.date, run.company_id, self.partner_id.ids
        )
        ladders = {
            policy: policy.level_ids._get_ladder() for policy in self.level_id.policy_id
        }
        to_do = self.browse()
        for line in self:
            reason = line._get_stale_reason(figures, ladders)
            if reason:
                line.write({"state": "skipped", "skip_reason": reason})
            else:
                to_do |= line
        reaction = self.env["fee.dunning.reaction"]
        actions = []
        for level, level_lines in to_do.grouped("level_id").items():
            escalating = level_lines.filtered(
                lambda line: line.level_id._escalates_from(line.previous_level_id)
            )
            if escalating:
                actions += escalating._perform_level_actions(level)
            dropping = level_lines - escalating
            if dropping:
                reaction._log_level_drops({level: dropping.partner_id}, run.company_id)
            # Not a tracked field: skip the chatter's bookkeeping of the other ones.
            level_lines.partner_id.sudo().with_context(
                tracking_disable=True
            ).dunning_level_id = level
            if dropping and not level._suspends():
                reaction._reconnect_arrears_services(dropping.partner_id)
            level_lines.invoice_ids._write_dunning_state(level, run.date)
        self.env["fee.dunning.action"].create(actions)
        to_do.state = "done"

    def _get_stale_reason(self, figures, ladders):
        """Why the preview no longer holds: the subscriber paid, or the level moved."""
        self.ensure_one()
        if self.partner_id.dunning_level_id != self.previous_level_id:
            return self.env._("Level changed since the preview.")
        amount, days = self.env["fee.overdue"]._dunning_figures(
            figures, self.partner_id, self.run_id.date
        )
        if self.level_id._escalates_from(self.previous_level_id):
            policy = self.level_id.policy_id
            reached = policy.level_ids._get_reached_level(amount, days, ladders[policy])
            if self.level_id._escalates_from(reached):
                return self.env._(
                    "Paid since the preview: %(amount)s now overdue.",
                    amount=format_amount(self.env, amount, self.currency_id),
                )
        return False

    # ------------------------------------------------------------------
    # Level actions: each returns the values of the fee.dunning.action records
    # ------------------------------------------------------------------

    def _perform_level_actions(self, level):
        actions = []
        if level.send_sms:
            actions += self._send_sms(level)
        if level.send_email:
            actions += self._send_email(level)
        if level.send_letter:
            actions += [
                self._action_vals(
                    line, "letter", "done", self.env._("Letter ready to print.")
                )
                for line in self
            ]
        if level.order_type != "none":
            actions += self._create_orders(level)
        if level.fee_amount or level.apply_late_fee:
            actions += self._charge_fees(level)
        if level.suspend_service:
            actions += self._change_services(level, "suspend")
        if level.disconnect_service:
            actions += self._change_services(level, "disconnect")
        return actions

    @api.model
    def _action_vals(self, line, action_type, state, note):
        return {
            "line_id": line.id,
            "partner_id": line.partner_id.id,
            "date": line.date,
            "action_type": action_type,
            "state": state,
            "note": note,
        }

    def _send_sms(self, level):
        """Queue the level's SMS for the whole batch at once, each posted on the
        subscriber's chatter: to the number Odoo's phone validation formatted (E.164, by
        the subscriber's country), never to a number on the phone blacklist (opt-out)."""
        bodies = level.sms_template_id._render_field(
            "body", self.ids, compute_lang=True
        )
        opted_out = self._get_sms_opted_out()
        actions, texted_ids = [], []
        for line in self:
            number = line.partner_id.phone_sanitized
            if not number:
                actions.append(self._sms_failure_vals(line))
            elif line.partner_id in opted_out:
                actions.append(
                    self._action_vals(
                        line,
                        "sms",
                        "skipped",
                        self.env._("%(number)s opted out of SMS.", number=number),
                    )
                )
            else:
                texted_ids.append(line.id)
                actions.append(
                    self._action_vals(
                        line,
                        "sms",
                        "done",
                        self.env._("SMS queued to %(number)s.", number=number),
                    )
                )
        texted = self.browse(texted_ids)
        texted._post_sms(texted._add_pay_links(bodies))
        return actions

    def _sms_failure_vals(self, line):
        partner = line.partner_id
        typed = partner.mobile or partner.phone
        if typed:
            note = self.env._("%(number)s is not a valid phone number.", number=typed)
        else:
            note = self.env._("No mobile or phone number.")
        return self._action_vals(line, "sms", "failed", note)

    def _send_email(self, level):
        actions = []
        with_email = self.filtered(lambda line: line.partner_id.email)
        for line in self - with_email:
            actions.append(
                self._action_vals(
                    line, "email", "failed", self.env._("No e-mail address.")
                )
            )
        if with_email:
            with_email._add_pay_link_to_mails(
                level.mail_template_id.send_mail_batch(with_email.ids)
            )
            actions += [
                self._action_vals(
                    line,
                    "email",
                    "done",
                    self.env._(
                        "E-mail queued to %(email)s.",
                        email=line.partner_id.email,
                    ),
                )
                for line in with_email
            ]
        return actions

    def _create_orders(self, level):
        """Each subscriber gets its one open order of the level's kind: issued, or the
        open one brought up to date (escalated when the level asks for more)."""
        requests = {
            line.partner_id: {
                "level": level,
                "amount": line.amount_due,
                "days": line.days_overdue,
            }
            for line in self
        }
        lines = {line.partner_id: line for line in self}
        issued, updated = (
            self.env["fee.collection.order"]
            .with_company(self.run_id.company_id)
            ._issue(requests, self.run_id.date, dunning_lines=lines)
        )
        return [
            self._action_vals(
                lines[order.partner_id],
                "order",
                "done",
                self.env._("Order %(order)s created.", order=order.name),
            )
            for order in issued
        ] + [
            self._action_vals(
                lines[order.partner_id],
                "order",
                "skipped",
                self.env._(
                    "Open order %(order)s brought up to date.", order=order.name
                ),
            )
            for order in updated
        ]

    def _change_services(self, level, change):
        states = {"suspend": ["active"], "disconnect": ["active", "suspended"]}[change]
        services = (
            self.env["fee.subscription"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", self.partner_id.ids),
                    ("state", "in", states),
                ]
            )
        )
        # Stored on the services: in the company's language, whoever runs the dunning.
        company_env = self.with_context(
            lang=self.run_id.company_id.partner_id.lang or self.env.lang
        ).env
        reason = company_env._(
            "Arrears (dunning level %(level)s)", level=level.with_env(company_env).name
        )
        if change == "suspend" and services:
            services.action_suspend(reason=reason, for_arrears=True)
        elif services:
            services.action_disconnect()
        by_partner = services.grouped("partner_id")
        return [
            self._action_vals(
                line,
                change,
                "done",
                self._service_change_note(change, len(by_partner[line.partner_id])),
            )
            if line.partner_id in by_partner
            else self._action_vals(
                line, change, "skipped", self.env._("No service to change.")
            )
            for line in self
        ]

    def _service_change_note(self, change, count):
        if change == "suspend":
            return self.env._("%(count)s service(s) suspended.", count=count)
        return self.env._("%(count)s service(s) disconnected.", count=count)

    def _charge_fees(self, level):
        """One invoice per subscriber with the level's fixed fee and the late fee accrued
        on each overdue invoice since it was last charged."""
        company = self.run_id.company_id
        date = self.run_id.date
        actions, invoice_vals, charged_lines = [], [], self.browse()
        for line in self:
            # The invoice goes to the subscriber: its lines in the subscriber's language.
            partner_env = self.with_context(lang=line.partner_id.lang).env
            line_commands = []
            if level.fee_amount and company.dunning_fee_product_id:
                line_commands.append(
                    Command.create(
                        {
                            "product_id": company.dunning_fee_product_id.id,
                            "name": partner_env._(
                                "Dunning fee (%(level)s)",
                                level=level.with_env(partner_env).name,
                            ),
                            "price_unit": level.fee_amount,
                        }
                    )
                )
            if level.apply_late_fee and company.late_fee_product_id:
                for invoice in line.invoice_ids:
                    increase = company.currency_id.round(
                        invoice._get_late_fee_accrued(date) - invoice.late_fee_charged
                    )
                    if increase > 0:
                        line_commands.append(
                            Command.create(
                                {
                                    "product_id": company.late_fee_product_id.id,
                                    "name": partner_env._(
                                        "Late fee on %(invoice)s, due %(due)s",
                                        invoice=invoice.name,
                                        due=format_date(
                                            partner_env, invoice.invoice_date_due
                                        ),
                                    ),
                                    "price_unit": increase,
                                    "late_fee_source_move_id": invoice.id,
                                }
                            )
                        )
            if (level.fee_amount and not company.dunning_fee_product_id) or (
                level.apply_late_fee and not company.late_fee_product_id
            ):
                actions.append(
                    self._action_vals(
                        line,
                        "fee",
                        "failed",
                        self.env._("No late fee or dunning fee item in the settings."),
                    )
                )
            if not line_commands:
                continue
            charged_lines |= line
            invoice_vals.append(
                {
                    "move_type": "out_invoice",
                    "partner_id": line.partner_id.id,
                    "invoice_date": date,
                    "company_id": company.id,
                    "fee_charge_type": "late_fee"
                    if level.apply_late_fee
                    else "dunning_fee",
                    "invoice_line_ids": line_commands,
                }
            )
        invoices = (
            self.env["account.move"].sudo().with_company(company).create(invoice_vals)
        )
        invoices.action_post()
        for line, invoice in zip(charged_lines, invoices, strict=True):
            line.late_fee_move_id = invoice
            actions.append(
                self._action_vals(
                    line,
                    "fee",
                    "done",
                    self.env._(
                        "Charged %(amount)s on %(invoice)s.",
                        amount=format_amount(
                            self.env, invoice.amount_total, invoice.currency_id
                        ),
                        invoice=invoice.name,
                    ),
                )
            )
        return actions
