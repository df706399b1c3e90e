import base64
import re
import secrets
from datetime import timedelta
from urllib.parse import urlencode

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..tools.groups import ACCOUNTANT

# 12 random bytes, 16 url-safe characters: short enough for an SMS, too many to guess.
PAY_CODE_BYTES = 12
PAY_CODE_PATTERN = re.compile(r"[A-Za-z0-9_-]{16}")
QR_SIZE = 240


class ResPartner(models.Model):
    """A subscriber's pay link (缴费链接): a short URL with a random code that opens their
    payment page without a login, printed as a QR code (扫码缴费) on letters and
    statements and sent in every notice. It lasts the company's validity after the last
    message that carried it, and revoking it ends it at once."""

    _inherit = "res.partner"

    fee_pay_code = fields.Char(
        string="Pay Link Code",
        copy=False,
        readonly=True,
        index="btree_not_null",
        groups="base.group_system",
    )
    fee_pay_code_expiry = fields.Date(
        string="Pay Link Valid Until", copy=False, readonly=True
    )

    _sql_constraints = [
        ("fee_pay_code_uniq", "unique(fee_pay_code)", "A pay link code is unique."),
    ]

    def _fee_get_pay_url(self):
        """The subscriber's pay link, made or renewed when needed."""
        self.ensure_one()
        return self._fee_get_pay_urls()[self.id]

    def _fee_get_pay_urls(self):
        """{partner id: pay link} of these subscribers, in two statements whatever their
        number: the codes missing or expired are made, and every link is valid for the
        company's validity from today."""
        partners = self.sudo().commercial_partner_id
        if not partners:
            return {partner.id: False for partner in self}
        today = fields.Date.context_today(self)
        codes = {}
        for partner in partners:
            code = partner.fee_pay_code
            if (
                not code
                or not partner.fee_pay_code_expiry
                or (partner.fee_pay_code_expiry < today)
            ):
                code = secrets.token_urlsafe(PAY_CODE_BYTES)
            validity = partner.company_id.fee_pay_link_validity_days or (
                self.env.company.fee_pay_link_validity_days
            )
            codes[partner.id] = (code, today + timedelta(days=validity))
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner partner
                   SET fee_pay_code = new.code, fee_pay_code_expiry = new.expiry
                  FROM (VALUES %s) AS new (id, code, expiry)
                 WHERE partner.id = new.id
                """,
                SQL(", ").join(
                    SQL("(%s, %s, %s::date)", partner_id, code, expiry)
                    for partner_id, (code, expiry) in codes.items()
                ),
            )
        )
        partners.invalidate_recordset(["fee_pay_code", "fee_pay_code_expiry"])
        base_url = self[:1].get_base_url()
        return {
            partner.id: f"{base_url}/p/{codes[partner.sudo().commercial_partner_id.id][0]}"
            for partner in self
        }

    def _fee_get_pay_qr_url(self):
        """The absolute URL of the pay link's QR code (a PNG), for e-mails and pages."""
        self.ensure_one()
        return self._fee_get_pay_qr_urls(self._fee_get_pay_urls())[self.id]

    def _fee_get_pay_qr_urls(self, pay_urls):
        """{partner id: the absolute URL of the QR code of its pay link} of these
        subscribers, from their ``pay_urls`` (``_fee_get_pay_urls``)."""
        base_url = self[:1].get_base_url()
        qr_urls = {}
        for partner in self:
            query = urlencode(
                {
                    "barcode_type": "QR",
                    "value": pay_urls[partner.id],
                    "width": QR_SIZE,
                    "height": QR_SIZE,
                }
            )
            qr_urls[partner.id] = f"{base_url}/report/barcode/?{query}"
        return qr_urls

    def _fee_get_pay_qr_image(self):
        """The pay link's QR code as a ``data:`` URI: printed letters and statements carry
        the image itself, whatever server renders them."""
        self.ensure_one()
        png = self.env["ir.actions.report"].barcode(
            "QR", self._fee_get_pay_url(), width=QR_SIZE, height=QR_SIZE
        )
        return "data:image/png;base64," + base64.b64encode(png).decode()

    @api.model
    def _fee_from_pay_code(self, code):
        """The subscriber whose pay link has this code (as the system: the page shows
        what the link gives access to), or nothing when it is unknown, expired or
        revoked."""
        if not isinstance(code, str) or not PAY_CODE_PATTERN.fullmatch(code):
            return self.browse()
        return self.sudo().search(
            [
                ("fee_pay_code", "=", code),
                ("fee_pay_code_expiry", ">=", fields.Date.context_today(self)),
                ("is_subscriber", "=", True),
            ],
            limit=1,
        )

    def action_fee_revoke_pay_link(self):
        """End these subscribers' pay links at once (a link sent to a wrong number, a
        lost letter): their next notice carries a new one."""
        if not self.env.user.has_group(ACCOUNTANT):
            raise AccessError(
                self.env._("Only accountants may revoke a subscriber's pay link.")
            )
        self.check_access("write")
        self.sudo().commercial_partner_id.write(
            {"fee_pay_code": False, "fee_pay_code_expiry": False}
        )
        return True
