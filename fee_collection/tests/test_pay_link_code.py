from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import FeeCollectionCommon


@tagged("post_install", "-at_install")
class TestPayLinkCode(FeeCollectionCommon):
    """A subscriber's pay link: short, unguessable, renewed by each notice, ended by
    its expiry or a revocation."""

    def _code(self, url):
        return url.rsplit("/p/", 1)[1]

    def test_a_link_opens_its_subscriber_until_it_expires(self):
        self.env.company.fee_pay_link_validity_days = 30
        with freeze_time("2024-03-01"):
            url = self.subscriber._fee_get_pay_url()
            self.assertTrue(url.startswith(self.subscriber.get_base_url() + "/p/"))
            code = self._code(url)
            self.assertEqual(len(code), 16)
            self.assertEqual(
                self.env["res.partner"]._fee_from_pay_code(code), self.subscriber
            )
            self.assertEqual(url, self.subscriber._fee_get_pay_url(), "the same link")
        with freeze_time("2024-03-25"):
            # A notice sent later carries the same link, valid 30 days from then.
            self.assertEqual(self._code(self.subscriber._fee_get_pay_url()), code)
        with freeze_time("2024-04-20"):
            self.assertEqual(
                self.env["res.partner"]._fee_from_pay_code(code), self.subscriber
            )
        with freeze_time("2024-04-25"):
            self.assertFalse(self.env["res.partner"]._fee_from_pay_code(code))
            renewed = self._code(self.subscriber._fee_get_pay_url())
            self.assertNotEqual(renewed, code, "an expired link is not revived")

    def test_links_of_many_subscribers_at_once_are_distinct(self):
        neighbour = self._create_subscriber("Li Qiang", sequence="032")
        contact = self.env["res.partner"].create(
            {"name": "Zhang's daughter", "parent_id": self.subscriber.id}
        )
        partners = self.subscriber | neighbour | contact
        urls = partners._fee_get_pay_urls()
        self.assertEqual(set(urls), set(partners.ids))
        self.assertEqual(urls[contact.id], urls[self.subscriber.id], "the subscriber's")
        self.assertNotEqual(urls[neighbour.id], urls[self.subscriber.id])
        self.assertIn("barcode_type=QR", self.subscriber._fee_get_pay_qr_url())
        self.assertTrue(
            self.subscriber._fee_get_pay_qr_image().startswith("data:image/png;base64,")
        )

    def test_unknown_malformed_and_revoked_codes_open_nothing(self):
        code = self._code(self.subscriber._fee_get_pay_url())
        Partner = self.env["res.partner"]
        for bad in ("", None, 42, code[:-1], code + "x", "'; DROP TABLE--", "A" * 16):
            with self.subTest(code=bad):
                self.assertFalse(Partner._fee_from_pay_code(bad))
        with self.assertRaises(AccessError):
            self.subscriber.with_user(self.user_cashier).action_fee_revoke_pay_link()
        self.subscriber.with_user(self.user_accountant).action_fee_revoke_pay_link()
        self.assertFalse(Partner._fee_from_pay_code(code), "ended at once")
        self.assertNotEqual(self._code(self.subscriber._fee_get_pay_url()), code)

    def test_the_code_is_not_readable_over_rpc(self):
        self.subscriber._fee_get_pay_url()
        fields = self.subscriber.with_user(self.user_accountant).fields_get()
        self.assertNotIn("fee_pay_code", fields)
        with self.assertRaises(AccessError):
            self.subscriber.with_user(self.user_accountant).write(
                {"fee_pay_code_expiry": "2099-12-31"}
            )
        with self.assertRaises(ValidationError):
            self.env.company.fee_pay_link_validity_days = 0
