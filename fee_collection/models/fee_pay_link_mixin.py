from markupsafe import Markup

from odoo import api, fields, models


class FeePayLinkMixin(models.AbstractModel):
    """The pay link (缴费链接) of the subscriber (``partner_id``) of records that messages
    are rendered from, for their templates: ``object.pay_url`` and its QR code
    ``object.pay_qr_url``. Computed for all the records rendered at once: the links of
    a batch are made or renewed in one statement, not one per subscriber."""

    _name = "fee.pay.link.mixin"
    _description = "Pay Link in Messages"

    pay_url = fields.Char(
        string="Pay Link",
        compute="_compute_pay_url",
        help="The subscriber's payment page, without a login.",
    )
    pay_qr_url = fields.Char(
        string="Pay Link QR Code",
        compute="_compute_pay_url",
        help="The address of the pay link's QR code image.",
    )

    @api.depends("partner_id")
    def _compute_pay_url(self):
        partners = self.partner_id
        urls = partners._fee_get_pay_urls()
        qr_urls = partners._fee_get_pay_qr_urls(urls)
        for record in self:
            record.pay_url = urls.get(record.partner_id.id) or False
            record.pay_qr_url = qr_urls.get(record.partner_id.id) or False

    def _add_pay_links(self, bodies):
        """``bodies`` (text messages by record id), each ending with its subscriber's
        pay link in the subscriber's language, unless its template already put the
        link in (templates of databases older than pay links do not)."""
        result = dict(bodies)
        for record in self:
            url = record.pay_url
            if url and url not in bodies[record.id]:
                env = self.with_context(lang=record.partner_id.lang).env
                result[record.id] = env._(
                    "%(message)s Pay online: %(url)s",
                    message=bodies[record.id],
                    url=url,
                )
        return result

    def _add_pay_link_to_mails(self, mails):
        """End the e-mails ``mails`` (``mail.mail`` rendered from these records) whose
        template does not carry the subscriber's pay link with it, in the subscriber's
        language: templates made before pay links, or by hand."""
        by_record = {mail.res_id: mail for mail in mails}
        for record in self:
            mail = by_record.get(record.id)
            if (
                not mail
                or not record.pay_url
                or record.pay_url in (mail.body_html or "")
            ):
                continue
            block = (
                self.env["ir.qweb"]
                .with_context(lang=record.partner_id.lang)
                ._render("fee_collection.pay_link_mail_block", {"record": record})
            )
            mail.body_html = Markup(mail.body_html or "") + block
