from odoo import Command, api, fields, models
from odoo.tools import format_amount

from . import fee_billing_run, fee_pay_link_mixin, fee_sms_mixin  # noqa: F401

NOTICE_TEMPLATES = {
    "sms": "fee_collection.sms_template_billing_notice",
    "email": "fee_collection.mail_template_billing_notice",
}


class FeeBillingNotice(models.Model):
    """The payment notice (缴费通知) of a subscriber billed by a billing run: by SMS or
    e-mail, as the company's setting says, with what was billed, the due date and the
    subscriber's pay link. One per subscriber and run, whatever the run's batches and
    reruns: a subscriber is never notified twice for one run. A subscriber who cannot be
    reached (no valid number or address, opted out) keeps a notice that says why. One
    exempt from dunning (red list) is notified all the same: a bill is not a reminder."""

    _name = "fee.billing.notice"
    _description = "Payment Notice at Billing"
    _inherit = ["fee.sms.mixin", "fee.pay.link.mixin"]
    _order = "run_id desc, id"
    _check_company_auto = True

    run_id = fields.Many2one(
        "fee.billing.run", required=True, readonly=True, ondelete="cascade"
    )
    # Written by the run with each notice, as dunning lines are.
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id")
    partner_id = fields.Many2one(
        "res.partner", string="Subscriber", required=True, readonly=True, index=True
    )
    invoice_ids = fields.Many2many(
        "account.move",
        "fee_billing_notice_account_move_rel",
        "notice_id",
        "move_id",
        string="Bills",
        readonly=True,
    )
    amount = fields.Monetary(
        string="Billed", readonly=True, help="What the run's bills ask for."
    )
    date_due = fields.Date(string="Due Date", readonly=True)
    balance = fields.Monetary(
        string="Total Due",
        readonly=True,
        help="All the subscriber owed once billed, earlier arrears and credit included.",
    )
    amount_text = fields.Char(
        string="Billed (as written)", compute="_compute_texts", help="For messages."
    )
    balance_text = fields.Char(
        string="Total Due (as written)", compute="_compute_texts", help="For messages."
    )
    channel = fields.Selection(
        [("sms", "SMS"), ("email", "E-mail")], readonly=True, help="How it was sent."
    )
    state = fields.Selection(
        [("sent", "Sent"), ("skipped", "Not Sent")], required=True, readonly=True
    )
    note = fields.Char(readonly=True)

    _sql_constraints = [
        (
            "run_partner_uniq",
            "unique(run_id, partner_id)",
            "A subscriber gets one payment notice per billing run.",
        ),
    ]

    @api.depends("company_id")
    def _compute_currency_id(self):
        for notice in self:
            notice.currency_id = notice.company_id.currency_id

    @api.depends("amount", "balance", "currency_id", "partner_id.lang")
    def _compute_texts(self):
        """In the subscriber's language, formatted once per amount and language."""
        texts = {}
        for notice in self:
            for name, amount in (
                ("amount_text", notice.amount),
                ("balance_text", notice.balance),
            ):
                key = (amount, notice.currency_id, notice.partner_id.lang)
                if key not in texts:
                    texts[key] = format_amount(self.env, *key)
                notice[name] = texts[key]

    # ------------------------------------------------------------------
    # Notifying the subscribers of a run (a system step of the billing run)
    # ------------------------------------------------------------------

    @api.model
    def _notify_billed(self, run, partners):
        """Notify ``partners`` of what ``run`` billed them, those not notified for it
        yet, by the company's channel. Returns the notices made."""
        mode = run.company_id.fee_billing_notice
        if not mode or mode == "none" or not partners:
            return self.browse()
        Notice = self.sudo()
        done = Notice.search(
            [("run_id", "=", run.id), ("partner_id", "in", partners.ids)]
        ).partner_id
        invoices = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("fee_billing_run_id", "=", run.id),
                    ("partner_id", "in", (partners - done).ids),
                    ("state", "=", "posted"),
                    ("move_type", "=", "out_invoice"),
                ]
            )
        )
        if not invoices:
            return self.browse()
        billed = invoices.partner_id
        # Receivables carry the commercial partner, whichever contact was billed.
        balances = self.env["fee.overdue"]._get_balances(
            billed.commercial_partner_id, run.company_id
        )
        routes = self._get_routes(billed, mode, run)
        vals_list = [
            {
                "run_id": run.id,
                "company_id": run.company_id.id,
                "partner_id": partner.id,
                "invoice_ids": [Command.set(bills.ids)],
                "amount": sum(bills.mapped("amount_residual")),
                "date_due": min(bills.mapped("invoice_date_due")),
                "balance": balances.get(partner.commercial_partner_id, 0.0),
                **routes[partner],
            }
            for partner, bills in invoices.grouped("partner_id").items()
        ]
        notices = Notice.create(vals_list)
        notices._send()
        return notices

    @api.model
    def _get_routes(self, partners, mode, run):
        """{partner: {channel, state, note}}: how each subscriber is notified under the
        company's ``mode`` (sms, email or sms_email: SMS, else e-mail), or why not, in
        the company's language (what the office reads)."""
        env = run.company_id._fee_get_lang_env()
        opted_out = self._find_sms_opted_out(partners)
        blacklisted = self._get_email_blacklisted(partners)
        reach = {
            "sms": lambda partner: self._reach_by_sms(partner, opted_out, env),
            "email": lambda partner: self._reach_by_email(partner, blacklisted, env),
        }
        channels = ("sms", "email") if mode == "sms_email" else (mode,)
        routes = {}
        for partner in partners:
            reasons = []
            for channel in channels:
                reached, note = reach[channel](partner)
                if reached:
                    routes[partner] = {
                        "channel": channel,
                        "state": "sent",
                        "note": note,
                    }
                    break
                reasons.append(note)
            else:
                routes[partner] = {
                    "channel": False,
                    "state": "skipped",
                    "note": " ".join(reasons),
                }
        return routes

    @api.model
    def _reach_by_sms(self, partner, opted_out, env):
        """(whether the partner gets an SMS, what the notice says of it)."""
        number = partner.phone_sanitized
        if not number:
            typed = partner.mobile or partner.phone
            if typed:
                return False, env._(
                    "%(number)s is not a valid phone number.", number=typed
                )
            return False, env._("No mobile or phone number.")
        if partner in opted_out:
            return False, env._("%(number)s opted out of SMS.", number=number)
        return True, env._("SMS queued to %(number)s.", number=number)

    @api.model
    def _reach_by_email(self, partner, blacklisted, env):
        """(whether the partner gets an e-mail, what the notice says of it)."""
        email = partner.email_normalized
        if not email:
            return False, env._("No e-mail address.")
        if partner in blacklisted:
            return False, env._("%(email)s opted out of e-mails.", email=email)
        return True, env._("E-mail queued to %(email)s.", email=email)

    @api.model
    def _get_email_blacklisted(self, partners):
        """``partners`` whose e-mail address is on the e-mail blacklist (opted out)."""
        emails = [email for email in partners.mapped("email_normalized") if email]
        if not emails:
            return partners.browse()
        blacklisted = set(
            self.env["mail.blacklist"]
            .sudo()
            .search([("email", "in", emails)])
            .mapped("email")
        )
        return partners.filtered(lambda p: p.email_normalized in blacklisted)

    def _send(self):
        """Queue the notices to send, each channel's for the whole batch at once: SMS
        posted on the subscribers' chatter, e-mails rendered in one batch."""
        to_send = self.filtered(lambda notice: notice.state == "sent")
        texted = to_send.filtered(lambda notice: notice.channel == "sms")
        if texted:
            template = self.env.ref(NOTICE_TEMPLATES["sms"])
            bodies = template._render_field("body", texted.ids, compute_lang=True)
            texted._post_sms(texted._add_pay_links(bodies))
        mailed = to_send.filtered(lambda notice: notice.channel == "email")
        if mailed:
            mailed._add_pay_link_to_mails(
                self.env.ref(NOTICE_TEMPLATES["email"]).send_mail_batch(mailed.ids)
            )


class FeeBillingRun(models.Model):
    """A billing run sends each subscriber it bills a payment notice, a batch at a
    time (the notices of a batch are committed with its invoices)."""

    _inherit = "fee.billing.run"

    notice_ids = fields.One2many(
        "fee.billing.notice", "run_id", string="Payment Notices"
    )
    notice_count = fields.Integer(compute="_compute_notice_count")

    def _compute_notice_count(self):
        counts = dict(
            self.env["fee.billing.notice"]._read_group(
                [("run_id", "in", self.ids)], ["run_id"], ["__count"]
            )
        )
        for run in self:
            run.notice_count = counts.get(run, 0)

    def _bill_subscriptions(self, subscriptions):
        result = super()._bill_subscriptions(subscriptions)
        self.env["fee.billing.notice"]._notify_billed(self, subscriptions.partner_id)
        return result
