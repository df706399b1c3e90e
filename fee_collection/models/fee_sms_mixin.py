from odoo import Command, api, models
from odoo.tools import SQL

from odoo.addons.sms.tools.sms_tools import sms_content_to_rendered_html


class FeeSmsMixin(models.AbstractModel):
    """Text messages to the subscribers (``partner_id``) of many records at once, each
    posted on its subscriber's chatter with its delivery status: dunning lines and
    payment notices at billing send theirs this way."""

    _name = "fee.sms.mixin"
    _description = "Batch SMS to Subscribers"

    def _get_sms_opted_out(self):
        """The records' subscribers whose number is on the phone blacklist."""
        return self._find_sms_opted_out(self.partner_id)

    @api.model
    def _find_sms_opted_out(self, partners):
        """``partners`` whose number is on the phone blacklist, found as
        ``phone_sanitized_blacklisted`` finds them (their formatted number among the
        active blacklisted ones), in one query: searching phone.blacklist by number
        would format each number again, reading the user's country to do so."""
        blacklisted = self.env["phone.blacklist"].sudo()._search([])
        numbers = blacklisted.subselect(SQL.identifier(blacklisted.table, "number"))
        return (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search([("id", "in", partners.ids), ("phone_sanitized", "in", numbers)])
        )

    def _post_sms(self, bodies):
        """Post each record's SMS (``bodies`` by record id) on its subscriber's chatter,
        queued with its delivery status: the message, its ``sms.sms`` and its
        ``mail.notification`` of type sms, as Odoo's ``_message_sms`` makes them. That
        method posts on one record at a time (nine queries a subscriber), and Odoo's mass
        SMS composer logs the message without linking the SMS to it: here each of the
        three is created for the whole batch at once, the messages by Odoo's batch log.
        One record per subscriber."""
        if not self:
            return
        partners = self.partner_id
        messages = partners._message_log_batch(
            bodies={
                record.partner_id.id: sms_content_to_rendered_html(bodies[record.id])
                for record in self
            },
            message_type="sms",
        )
        # _message_log_batch makes one message per partner, in their order.
        message_by_partner = dict(zip(partners, messages, strict=True))
        queued_sms = (
            self.env["sms.sms"]
            .sudo()
            .create(
                [
                    {
                        "number": record.partner_id.phone_sanitized,
                        "body": bodies[record.id],
                        "partner_id": record.partner_id.id,
                        "mail_message_id": message_by_partner[record.partner_id].id,
                        "state": "outgoing",
                    }
                    for record in self
                ]
            )
        )
        self.env["mail.notification"].sudo().create(
            [
                {
                    "author_id": sms.mail_message_id.author_id.id,
                    "mail_message_id": sms.mail_message_id.id,
                    "res_partner_id": sms.partner_id.id,
                    "sms_number": sms.number,
                    "notification_type": "sms",
                    "sms_id_int": sms.id,
                    # How the SMS's delivery reports find the notification.
                    "sms_tracker_ids": [Command.create({"sms_uuid": sms.uuid})],
                    "is_read": True,
                    "notification_status": "ready",
                }
                for sms in queued_sms
            ]
        )
