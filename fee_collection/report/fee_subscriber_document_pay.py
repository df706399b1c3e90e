import base64

from odoo import api, models

from ..models.res_partner_pay import QR_SIZE


class FeeSubscriberDocument(models.AbstractModel):
    """Dunning letters and statements carry the subscriber's pay link and its QR code
    (扫码缴费), the image itself: a printed page is scanned with a phone, and the PDF is
    made by a renderer that need not reach this server."""

    _inherit = "report.fee_collection.subscriber_document"

    @api.model
    def _get_report_values(self, docids, data=None):
        values = super()._get_report_values(docids, data)
        docs = values["docs"]
        partners = (
            docs.partner_id if docs._name == "fee.dunning.line" else docs
        ).commercial_partner_id.filtered("is_subscriber")
        # Made once the user is known to work on these subscribers (checked above).
        urls = partners._fee_get_pay_urls()
        images = {}

        def pay_link(partner):
            """{"url", "qr"} of ``partner``'s pay link, the QR code a data URI made the
            first time it is printed; None for whoever has no link."""
            url = urls.get(partner.commercial_partner_id.id)
            if not url:
                return None
            if url not in images:
                png = self.env["ir.actions.report"].barcode(
                    "QR", url, width=QR_SIZE, height=QR_SIZE
                )
                images[url] = "data:image/png;base64," + base64.b64encode(png).decode()
            return {"url": url, "qr": images[url]}

        values["pay_link"] = pay_link
        return values
