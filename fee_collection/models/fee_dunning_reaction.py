from contextlib import contextmanager

from markupsafe import Markup

from odoo import api, fields, models

# The subscribers noted while the dunning reaction is deferred (``_judge_once``): kept
# on the transaction, with their latest date.
DEFERRED_KEY = "fee_collection.dunning_deferred"


class FeeDunningReaction(models.AbstractModel):
    """How dunning reacts to money received: a payment, a credit note or a reconciliation
    that reduces a subscriber's arrears lowers its dunning level (and its invoices'),
    reconnects the services suspended for arrears and closes its collection orders, in
    the transaction of the payment, whoever registers it (a system step)."""

    _name = "fee.dunning.reaction"
    _description = "Dunning Reaction to Payments"

    @api.model
    @contextmanager
    def _judge_once(self):
        """Within this block, payments, credit notes and reconciliations only note the
        subscribers they touch; these are judged once, when the block ends without error
        (a payment is posted, then reconciled: two notes, one judgement)."""
        data = self.env.cr.precommit.data
        if DEFERRED_KEY in data:
            yield
            return
        data[DEFERRED_KEY] = {}
        try:
            yield
        except Exception:
            data.pop(DEFERRED_KEY, None)
            raise
        pending = data.pop(DEFERRED_KEY)
        self._update_after_payments(
            (partner, date) for partner, date in pending.items()
        )

    @api.model
    def _update_after_payments(self, partners_dates):
        """``_update_after_payment`` for ``(partners, date)`` pairs, one per payment,
        credit note or reconciliation: each partner at a dunning level is judged on its
        latest date, one pass per distinct date. A payment entered late is judged no
        earlier than the partner's last dunning run: what that run did on the arrears the
        payment leaves stays done (no reconnection to suspend again the next day). Inside
        ``_judge_once``, the partners are only noted."""
        partner_dates = {}
        for partners, date in partners_dates:
            for partner in partners.sudo().filtered("dunning_level_id"):
                partner_dates[partner] = max(date, partner_dates.get(partner, date))
        if not partner_dates:
            return
        deferred = self.env.cr.precommit.data.get(DEFERRED_KEY)
        if deferred is not None:
            for partner, date in partner_dates.items():
                deferred[partner] = max(date, deferred.get(partner, date))
            return
        last_dunned = dict(
            self.env["fee.dunning.line"]
            .sudo()
            ._read_group(
                [
                    ("partner_id", "in", [partner.id for partner in partner_dates]),
                    ("state", "=", "done"),
                ],
                ["partner_id"],
                ["date:max"],
            )
        )
        by_date = {}
        for partner, date in partner_dates.items():
            date = max(date, last_dunned.get(partner, date))
            by_date[date] = by_date.get(date, partner.browse()) | partner
        for date, partners in by_date.items():
            self._update_after_payment(partners, date)

    @api.model
    def _update_after_payment(self, partners, date=None):
        """Lower the dunning level of ``partners`` whose arrears a payment or credit note
        has reduced, and reconnect the services suspended for arrears once no level they
        are at still suspends. The remaining arrears are judged on ``date``, that of the
        payment or credit note (today by default)."""
        partners = partners.sudo().filtered("dunning_level_id")
        if not partners:
            return
        date = date or fields.Date.context_today(self)
        Overdue = self.env["fee.overdue"]
        for company, company_partners in partners.grouped(
            lambda partner: partner.dunning_level_id.company_id
        ).items():
            figures = Overdue._get_overdue_data(date, company, company_partners.ids)
            lowered = {}
            for partner in company_partners:
                levels = partner.dunning_level_id.policy_id.level_ids
                reached = levels._get_reached_level(
                    *Overdue._dunning_figures(figures, partner, date)
                )
                if partner.dunning_level_id._escalates_from(reached):
                    lowered.setdefault(reached, partners.browse())
                    lowered[reached] |= partner
            self._log_level_drops(lowered, company)
            for level, level_partners in lowered.items():
                level_partners.dunning_level_id = level
                if not level._suspends():
                    self._reconnect_arrears_services(level_partners)
            self._lower_invoice_levels(lowered, company)
            settled = company_partners.browse(
                partner.id
                for partner in company_partners
                if not figures.get(partner.id)
                or figures[partner.id]["amount"] + figures[partner.id]["paused_amount"]
                <= 0
            )
            self.env["fee.collection.order"]._close_paid(settled)

    @api.model
    def _lower_invoice_levels(self, lowered, company):
        """Keep the invoices' dunning level true when a payment lowers their subscribers'
        ({level: partners}): a paid invoice is no longer at any level, an open one is at
        most at its subscriber's new level."""
        new_levels = {
            partner: level
            for level, partners in lowered.items()
            for partner in partners
        }
        if not new_levels:
            return
        invoices = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("commercial_partner_id", "in", [p.id for p in new_levels]),
                    ("company_id", "=", company.id),
                    ("dunning_level_id", "!=", False),
                ]
            )
        )
        by_level = {}
        for invoice in invoices:
            level = new_levels.get(invoice.commercial_partner_id)
            if level is None:
                continue
            if invoice.payment_state in ("paid", "in_payment", "reversed"):
                level = level.browse()
            elif not invoice.dunning_level_id._escalates_from(level):
                continue
            by_level.setdefault(level, invoices.browse())
            by_level[level] |= invoice
        for level, level_invoices in by_level.items():
            level_invoices._write_dunning_state(level)

    @api.model
    def _log_level_drops(self, lowered, company):
        """Say on each subscriber's chatter, in the company's language, that a payment
        lowered its level ({new level: partners}), in one insert."""
        env = self.with_context(lang=company.partner_id.lang or self.env.lang).env
        bodies = {}
        for level, partners in lowered.items():
            new = level.with_env(env).name or env._("no level")
            for partner in partners:
                bodies[partner.id] = Markup("<p>%s</p>") % env._(
                    "Dunning level lowered from %(old)s to %(new)s: a payment or credit "
                    "note reduced the arrears.",
                    old=partner.dunning_level_id.with_env(env).name,
                    new=new,
                )
        if bodies:
            self.env["res.partner"].sudo().browse(bodies)._message_log_batch(
                bodies=bodies
            )

    @api.model
    def _reconnect_arrears_services(self, partners):
        """Reconnect the services of ``partners`` suspended for arrears, and say so on
        their chatter in the company's language."""
        services = (
            self.env["fee.subscription"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", partners.ids),
                    ("state", "=", "suspended"),
                    ("suspended_for_arrears", "=", True),
                ]
            )
        )
        if not services:
            return
        services.action_reconnect()
        bodies = {}
        for partner, partner_services in services.grouped("partner_id").items():
            env = self.with_context(
                lang=partner_services.company_id[:1].partner_id.lang or self.env.lang
            ).env
            bodies[partner.id] = Markup("<p>%s</p>") % env._(
                "Reconnected, the arrears being cleared: %(services)s",
                services=", ".join(partner_services.mapped("display_name")),
            )
        self.env["res.partner"].sudo().browse(bodies)._message_log_batch(bodies=bodies)
