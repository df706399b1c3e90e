from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount, format_date

from odoo.addons.sms.tools.sms_tools import sms_content_to_rendered_html

DUNNING_LOCK_KEY = 0x46454544  # advisory lock namespace of dunning runs, per company
# A run with more lines to execute than this is executed by the scheduler, a committed
# batch at a time, rather than in the user's request and transaction.
SYNC_RUN_MAX_LINES = 1000


class FeeDunningRun(models.Model):
    """A dunning run (催缴批次) for one date: ``action_compute`` previews a line per subscriber
    whose level changes, ``action_execute`` does what the levels say. Repeating it, restarting
    it after a crash or running a second one for the same date does nothing more."""

    _name = "fee.dunning.run"
    _description = "Dunning Run"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True, copy=False, default="/")
    date = fields.Date(required=True, default=fields.Date.context_today, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("computed", "Previewed"),
            ("running", "In Progress"),
            ("done", "Done"),
        ],
        required=True,
        default="draft",
        tracking=True,
        copy=False,
    )
    line_ids = fields.One2many("fee.dunning.line", "run_id", string="Lines")
    line_count = fields.Integer(compute="_compute_line_counts")
    skipped_count = fields.Integer(compute="_compute_line_counts")

    def _compute_line_counts(self):
        counts = {
            (run, state): count
            for run, state, count in self.env["fee.dunning.line"]._read_group(
                [("run_id", "in", self.ids)], ["run_id", "state"], ["__count"]
            )
        }
        for run in self:
            run.line_count = sum(
                counts.get((run, state), 0) for state in ("draft", "done", "skipped")
            )
            run.skipped_count = counts.get((run, "skipped"), 0)

    @api.model_create_multi
    def create(self, vals_list):
        # Numbered once the user is known to be allowed to create runs.
        self.check_access("create")
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"].next_by_code("fee.dunning.run") or "/"
                )
        return super().create(vals_list)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_compute(self):
        for run in self:
            run._lock_company()
            run._check_date_after_last_run()
            if run.state in ("running", "done"):
                raise UserError(
                    self.env._(
                        "Run %(run)s has already been executed: start a new run.",
                        run=run.name,
                    )
                )
            # The preview is made again; what was executed is history, which no user deletes.
            run.line_ids.filtered(
                lambda line: line.state in ("draft", "skipped")
            ).sudo().unlink()
            # Skip reasons, as the run's other notes, in the company's language.
            company_run = run.with_env(run.company_id._fee_get_lang_env())
            self.env["fee.dunning.line"].create(company_run._prepare_line_vals_list())
            run.state = "computed"
        return True

    def action_execute(self):
        """Do what the preview says. A large run is queued for the scheduler, which
        commits each batch: messages, orders and suspensions of thousands of subscribers in
        one request would keep the user waiting and hold the run's locks for minutes."""
        self.filtered(lambda run: run.state == "draft").action_compute()
        to_do = dict(
            self.env["fee.dunning.line"]._read_group(
                [("run_id", "in", self.ids), ("state", "=", "draft")],
                ["run_id"],
                ["__count"],
            )
        )
        queued = self.filtered(lambda run: to_do.get(run, 0) > SYNC_RUN_MAX_LINES)
        for run in self - queued:
            while run._execute_next_batch():
                pass
        if not queued:
            return True
        queued.state = "running"
        self.env.ref("fee_collection.ir_cron_fee_dunning").sudo()._trigger()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": self.env._(
                    "%(runs)s: more than %(count)s subscribers to dun, they are dunned in "
                    "the background. Refresh the run to follow it.",
                    runs=", ".join(queued.mapped("name")),
                    count=SYNC_RUN_MAX_LINES,
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_view_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "fee_collection.fee_dunning_line_action"
        )
        action["domain"] = [("run_id", "=", self.id)]
        action["context"] = {"search_default_groupby_level": 1}
        return action

    @api.model
    def _cron_run_dunning(self, batch_size=1000):
        """Daily, and when a user queues a large run: compute today's run per company, then
        execute it and every queued run a batch at a time; the scheduler commits after each
        call. While lines remain the job is called again, at once. A company with a queued
        run in progress gets today's run once that one is done (the job calls itself back
        then), since a run never starts before an earlier one is finished."""
        running = self.search([("state", "=", "running")])
        runs = running | self._get_todays_runs(
            self.env["res.company"].search([("id", "not in", running.company_id.ids)])
        )
        done = 0
        for run in runs.filtered(lambda run: run.state in ("computed", "running")):
            done += run._execute_next_batch(batch_size)
        remaining = self.env["fee.dunning.line"].search_count(
            [("run_id", "in", runs.ids), ("state", "=", "draft")]
        )
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        if remaining or running.filtered(lambda run: run.state == "done"):
            self.env.ref("fee_collection.ir_cron_fee_dunning").sudo()._trigger()

    @api.model
    def _get_todays_runs(self, companies):
        """Today's run of each of ``companies`` with a dunning policy, created and
        computed when missing."""
        today = fields.Date.context_today(self)
        companies = companies.filtered("dunning_policy_id")
        runs = self.browse()
        for company in companies:
            company_runs = self.with_company(company)
            run = company_runs.search(
                [("company_id", "=", company.id), ("date", "=", today)], limit=1
            ) or company_runs.create({"date": today, "company_id": company.id})
            if run.state == "draft":
                run.action_compute()
            runs |= run
        return runs

    # ------------------------------------------------------------------
    # Steps
    # ------------------------------------------------------------------

    def _lock_company(self):
        """Refuse a second run working for the same company at the same time (a lock held
        until the end of the current transaction, i.e. of the current batch)."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                "SELECT pg_try_advisory_xact_lock(%s, %s)",
                DUNNING_LOCK_KEY,
                self.company_id.id,
            )
        )
        if not self.env.cr.fetchone()[0]:
            raise UserError(
                self.env._(
                    "Another dunning run is working for %(company)s right now: try again when it "
                    "has finished.",
                    company=self.company_id.name,
                )
            )

    def _check_date_after_last_run(self):
        last = self.search(
            [
                ("company_id", "=", self.company_id.id),
                ("state", "in", ("running", "done")),
                ("id", "!=", self.id),
            ],
            order="date desc",
            limit=1,
        )
        if last and self.date < last.date:
            raise UserError(
                self.env._(
                    "Dunning already ran on %(last)s (%(run)s): a run cannot go back to "
                    "%(date)s.",
                    last=format_date(self.env, last.date),
                    run=last.name,
                    date=format_date(self.env, self.date),
                )
            )

    def _get_candidate_partners(self, figures):
        """Partners with something overdue, or at a level that may have to drop."""
        leveled = self.env["res.partner"].search(
            [
                ("dunning_level_id.company_id", "=", self.company_id.id),
            ]
        )
        return leveled | self.env["res.partner"].browse(figures)

    def _prepare_line_vals_list(self):
        self.ensure_one()
        Partner = self.env["res.partner"]
        figures = Partner._get_overdue_data(self.date, self.company_id)
        ladders = {}
        vals_list = []
        for partner in self._get_candidate_partners(figures):
            policy = partner._get_dunning_policy(self.company_id)
            if not policy:
                continue
            if policy not in ladders:
                ordered = policy.level_ids._ordered()
                ladders[policy] = ordered, ordered._get_ladder()
            levels, ladder = ladders[policy]
            current = partner.dunning_level_id
            amount, days = Partner._dunning_figures(figures, partner, self.date)
            step = self._get_next_step(
                levels, current, levels._get_reached_level(amount, days, ladder)
            )
            overdue = figures.get(partner.id, {})
            vals = {
                "run_id": self.id,
                "company_id": self.company_id.id,
                "date": self.date,
                "partner_id": partner.id,
                "amount_due": amount,
                "days_overdue": days,
                "previous_level_id": current.id,
                "level_id": step.id,
                "invoice_ids": [Command.set(overdue.get("move_ids", []))],
            }
            if step != current and current._escalates_from(step):
                vals["change_reason"] = self._drop_reason(overdue, amount, days)
            if step != current:
                if step._escalates_from(current) and partner._is_dunning_exempt(
                    self.date
                ):
                    vals_list.append(
                        self._skip_vals(
                            vals,
                            self.env._(
                                "Exempt from dunning: %(reason)s",
                                reason=partner.dunning_exempt_reason or "-",
                            ),
                        )
                    )
                else:
                    vals_list.append(vals)
                continue
            paused = self._get_paused_figures(overdue, amount, days)
            paused_step = paused and self._get_next_step(
                levels, current, levels._get_reached_level(*paused, ladder)
            )
            if paused_step and paused_step._escalates_from(current):
                amount_due, days_overdue = paused
                vals_list.append(
                    self._skip_vals(
                        {
                            **vals,
                            "level_id": paused_step.id,
                            "amount_due": amount_due,
                            "days_overdue": days_overdue,
                        },
                        self._paused_reason(overdue),
                    )
                )
        return vals_list

    @api.model
    def _get_next_step(self, levels, current, reached):
        """One level up at most per run; straight down to the level reached otherwise."""
        if not reached._escalates_from(current):
            return reached
        return levels[current._rank() + 1]

    def _get_paused_figures(self, overdue, amount, days):
        """(amount, days) overdue counting the invoices paused by a dispute or a promise,
        or None when nothing is paused."""
        if not overdue.get("paused"):
            return None
        paused_days = (
            (self.date - overdue["paused_due"]).days if overdue["paused_due"] else 0
        )
        return amount + overdue["paused_amount"], max(days, paused_days)

    def _drop_reason(self, overdue, amount, days):
        """Why a subscriber's level drops: what is left overdue, and what a promise or a
        dispute holds back."""
        currency = self.company_id.currency_id
        reason = (
            self.env._(
                "%(amount)s still overdue for %(days)s days.",
                amount=format_amount(self.env, amount, currency),
                days=days,
            )
            if amount
            else self.env._("Nothing overdue any more.")
        )
        if overdue.get("paused"):
            reason += " " + self.env._(
                "%(amount)s held back by a promise to pay or a dispute.",
                amount=format_amount(self.env, overdue["paused_amount"], currency),
            )
        return reason

    def _paused_reason(self, overdue):
        paused = overdue["paused"]
        if paused == {"promise", "dispute"}:
            return self.env._(
                "Paused: a promise to pay is not yet due and an invoice is in dispute."
            )
        if "promise" in paused:
            return self.env._("Paused: a promise to pay is not yet due.")
        return self.env._("Paused: an invoice is in dispute.")

    @api.model
    def _skip_vals(self, vals, reason):
        return {**vals, "state": "skipped", "skip_reason": reason}

    def _execute_next_batch(self, batch_size=1000):
        """Execute the next batch of preview lines; returns how many were handled."""
        self.ensure_one()
        self._lock_company()
        lines = self.env["fee.dunning.line"].search(
            [("run_id", "=", self.id), ("state", "=", "draft")],
            order="id",
            limit=batch_size,
        )
        if not lines:
            self.state = "done"
            return 0
        # In the company's language, whoever runs it (a user, the scheduler): the
        # reasons, notes and orders a run writes are read by everyone. What subscribers
        # receive is in their own language (the templates', the charges' own rule).
        lines.with_env(self.company_id._fee_get_lang_env())._execute()
        left = self.env["fee.dunning.line"].search_count(
            [("run_id", "=", self.id), ("state", "=", "draft")], limit=1
        )
        self.state = "running" if left else "done"
        return len(lines)


class FeeDunningLine(models.Model):
    _name = "fee.dunning.line"
    _description = "Dunning Line"
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
        figures = self.env["res.partner"]._get_overdue_data(
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
        actions = []
        for level, level_lines in to_do.grouped("level_id").items():
            escalating = level_lines.filtered(
                lambda line: line.level_id._escalates_from(line.previous_level_id)
            )
            if escalating:
                actions += escalating._perform_level_actions(level)
            dropping = level_lines - escalating
            if dropping:
                dropping.partner_id._fee_log_level_drops(
                    {level: dropping.partner_id}, run.company_id
                )
            # Not a tracked field: skip the chatter's bookkeeping of the other ones.
            level_lines.partner_id.sudo().with_context(
                tracking_disable=True
            ).dunning_level_id = level
            if level_lines != escalating and not level._suspends():
                (level_lines - escalating).partner_id._fee_reconnect_arrears_services()
            level_lines.invoice_ids._write_dunning_state(level, run.date)
        self.env["fee.dunning.action"].create(actions)
        to_do.state = "done"

    def _get_stale_reason(self, figures, ladders):
        """Why the preview no longer holds: the subscriber paid, or the level moved."""
        self.ensure_one()
        if self.partner_id.dunning_level_id != self.previous_level_id:
            return self.env._("Level changed since the preview.")
        amount, days = self.env["res.partner"]._dunning_figures(
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
        """Queue the level's SMS as Odoo's mass SMS does, for the whole batch at once: to
        the number Odoo's phone validation formatted (E.164, by the subscriber's country),
        never to a number on the phone blacklist (opt-out), logged on the subscriber's
        chatter."""
        bodies = level.sms_template_id._render_field(
            "body", self.ids, compute_lang=True
        )
        partners = self.partner_id
        # The blacklist as phone_sanitized_blacklisted reads it, without also formatting
        # each partner's phone and mobile again (a tenth of an SMS batch's time).
        opted_out = set(
            self.env["phone.blacklist"]
            .sudo()
            .search([("number", "in", partners.mapped("phone_sanitized"))])
            .mapped("number")
        )
        sms_vals, actions, logs = [], [], {}
        for line in self:
            partner = line.partner_id
            number = partner.phone_sanitized
            if not number:
                actions.append(self._sms_failure_vals(line))
            elif number in opted_out:
                actions.append(
                    self._action_vals(
                        line,
                        "sms",
                        "skipped",
                        self.env._("%(number)s opted out of SMS.", number=number),
                    )
                )
            else:
                sms_vals.append(
                    {
                        "number": number,
                        "body": bodies[line.id],
                        "partner_id": partner.id,
                        "state": "outgoing",
                    }
                )
                logs[partner.id] = sms_content_to_rendered_html(bodies[line.id])
                actions.append(
                    self._action_vals(
                        line,
                        "sms",
                        "done",
                        self.env._("SMS queued to %(number)s.", number=number),
                    )
                )
        self.env["sms.sms"].sudo().create(sms_vals)
        partners.browse(logs)._message_log_batch(bodies=logs, message_type="sms")
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
            level.mail_template_id.send_mail_batch(with_email.ids)
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


class FeeDunningAction(models.Model):
    """What a dunning line did, one record per action, with its outcome."""

    _name = "fee.dunning.action"
    _description = "Dunning Action"
    _order = "line_id, id"

    line_id = fields.Many2one(
        "fee.dunning.line", required=True, index=True, ondelete="cascade"
    )
    # The line's, written with each action (see fee.dunning.line.date).
    partner_id = fields.Many2one(
        "res.partner", string="Subscriber", required=True, readonly=True
    )
    date = fields.Date(required=True, readonly=True)
    action_type = fields.Selection(
        [
            ("sms", "SMS"),
            ("email", "E-mail"),
            ("letter", "Letter"),
            ("order", "Collection Order"),
            ("fee", "Fees"),
            ("suspend", "Suspension"),
            ("disconnect", "Disconnection"),
        ],
        required=True,
    )
    state = fields.Selection(
        [("done", "Done"), ("failed", "Failed"), ("skipped", "Skipped")], required=True
    )
    note = fields.Char()
