import re
from urllib.parse import parse_qs, urlsplit

from freezegun import freeze_time
from lxml import html as lxml_html

from odoo import fields
from odoo.tests import tagged

from odoo.addons.mail.tests.common import MockEmail
from odoo.addons.sms.tests.common import SMSCase

from .common import FeeCollectionCommon

D = fields.Date.to_date
# A pay link in a text: its code.
PAY_LINK = re.compile(r"https?://[^\s\"'<>]+/p/([A-Za-z0-9_-]{16})")


class PayLinkCommon(FeeCollectionCommon, SMSCase, MockEmail):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.subscriber.write(
            {"mobile": "+8613800000001", "email": "zhang.wei@example.com"}
        )
        cls.other = cls._create_subscriber(
            "Li Na",
            sequence="002",
            mobile="+8613800000002",
            email="li.na@example.com",
        )

    def _codes(self, text):
        return PAY_LINK.findall(text)

    def _assert_pay_link(self, text, partner):
        """``text`` carries one pay link (perhaps several times), ``partner``'s."""
        codes = set(self._codes(text))
        self.assertEqual(len(codes), 1, text)
        self.assertEqual(
            self.env["res.partner"]._fee_from_pay_code(codes.pop()), partner
        )


@tagged("post_install", "-at_install")
class TestDunningPayLinks(PayLinkCommon):
    """Every dunning message and printed document carries the subscriber's pay link,
    and the printed ones and e-mails its QR code."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        template = cls.env.ref("fee_collection.mail_template_dunning_reminder")
        cls.policy = cls._create_dunning_policy(
            "Pay links (test)",
            cls._sms_reminder_level(),
            {
                "name": "E-mail and letter",
                "days_overdue": 10,
                "send_email": True,
                "mail_template_id": template.id,
                "send_letter": True,
            },
        )
        cls.reminder, cls.letter = cls.policy.level_ids

    def _dun(self):
        run = (
            self.env["fee.dunning.run"]
            .with_user(self.user_accountant)
            .create({"date": fields.Date.today()})
        )
        run.action_execute()
        return run

    def _line(self, run, partner):
        return run.line_ids.filtered(lambda line: line.partner_id == partner)

    def test_dunning_sms_carries_each_subscribers_link(self):
        for partner in (self.subscriber, self.other):
            self._invoice(100.0, due="2024-01-01", partner=partner)
        with freeze_time("2024-01-05"), self.mockSMSGateway():
            run = self._dun()
            for partner in (self.subscriber, self.other):
                with self.subTest(partner=partner.name):
                    sms = (
                        self.env["sms.sms"]
                        .sudo()
                        .search([("partner_id", "=", partner.id)])
                    )
                    self.assertEqual(len(sms), 1)
                    self.assertIn("is overdue on your account", sms.body)
                    self.assertIn(" Pay online: ", sms.body)
                    self._assert_pay_link(sms.body, partner)
                    self.assertTrue(sms.body.endswith(self._line(run, partner).pay_url))
                    # The chatter shows the SMS as sent.
                    message = partner.message_ids.filtered(
                        lambda message: message.message_type == "sms"
                    )
                    self._assert_pay_link(message.body, partner)
            self.env["sms.sms"].sudo().search([]).send()
        self.assertSMSIapSent(["+8613800000001"], content="/p/")
        # The next message carries the same link, renewed: it stays valid.
        code = self.subscriber.sudo().fee_pay_code
        with freeze_time("2024-03-01"):
            self.assertEqual(self.subscriber._fee_get_pay_url().rsplit("/", 1)[1], code)

    def test_a_template_with_the_link_gets_it_once(self):
        template = self.reminder.sms_template_id
        template.body = "Pay {{ object.amount_due_text }}: {{ object.pay_url }} thanks"
        self._invoice(100.0, due="2024-01-01")
        with freeze_time("2024-01-05"), self.mockSMSGateway():
            self._dun()
            sms = (
                self.env["sms.sms"]
                .sudo()
                .search([("partner_id", "=", self.subscriber.id)])
            )
            self.assertEqual(len(self._codes(sms.body)), 1)
            self.assertTrue(sms.body.endswith(" thanks"))
            self._assert_pay_link(sms.body, self.subscriber)

    def test_dunning_email_carries_the_link_and_its_qr_code(self):
        self._invoice(100.0, due="2024-01-01")
        with freeze_time("2024-01-05"):
            self._dun()
        with freeze_time("2024-01-15"), self.mock_mail_gateway():
            run = self._dun()
            line = self._line(run, self.subscriber)
            self.assertEqual(line.level_id, self.letter)
            mail = self._new_mails.filtered(
                lambda mail: self.subscriber in mail.recipient_ids
            )
            self.assertEqual(len(mail), 1)
            body = lxml_html.fromstring(mail.body_html)
            self.assertEqual(
                body.xpath("//a[text()='Pay online']/@href"), [line.pay_url]
            )
            self._assert_pay_link(mail.body_html, self.subscriber)
            qr = body.xpath("//img[contains(@src, '/report/barcode/')]/@src")
            self.assertEqual(len(qr), 1)
            query = parse_qs(urlsplit(qr[0]).query)
            self.assertEqual(query["barcode_type"], ["QR"])
            self.assertEqual(query["value"], [line.pay_url])
            # The attached statement carries it too.
            statement = mail.attachment_ids.raw.decode()
            self._assert_pay_link(statement, self.subscriber)

    def test_an_older_template_without_the_link_gets_it_added(self):
        # A database installed before pay links keeps its template (noupdate).
        self.env.ref(
            "fee_collection.mail_template_dunning_reminder"
        ).body_html = "<p>Please pay soon.</p>"
        self._invoice(100.0, due="2024-01-01")
        with freeze_time("2024-01-05"):
            self._dun()
        with freeze_time("2024-01-15"), self.mock_mail_gateway():
            line = self._line(self._dun(), self.subscriber)
            mail = self._new_mails.filtered(
                lambda mail: self.subscriber in mail.recipient_ids
            )
            self.assertIn("Please pay soon.", mail.body_html)
            body = lxml_html.fromstring(mail.body_html)
            self.assertEqual(
                body.xpath("//a[text()='Pay online']/@href"), [line.pay_url]
            )
            self._assert_pay_link(mail.body_html, self.subscriber)

    def test_letter_carries_the_link_and_its_qr_image(self):
        self._invoice(100.0, due="2024-01-01")
        with freeze_time("2024-01-05"):
            self._dun()
        with freeze_time("2024-01-15"):
            run = self._dun()
            line = self._line(run, self.subscriber)
            for report, records, user in (
                ("fee_collection.report_dunning_letter", line, self.user_collector),
                (
                    "fee_collection.report_subscriber_letter",
                    self.subscriber,
                    self.user_collector,
                ),
                (
                    "fee_collection.report_subscriber_statement",
                    self.subscriber,
                    self.user_cashier,
                ),
                ("fee_collection.report_overdue_statement", line, self.user_cashier),
            ):
                with self.subTest(report=report):
                    html = self._render(report, records, user)
                    document = lxml_html.fromstring(html)
                    link = document.xpath(
                        "//*[contains(@class, 'o_fee_pay_url')]/text()"
                    )
                    self.assertEqual(link, [line.pay_url])
                    self._assert_pay_link(html, self.subscriber)
                    qr = document.xpath("//img[contains(@class, 'o_fee_pay_qr')]/@src")
                    self.assertEqual(len(qr), 1)
                    self.assertTrue(qr[0].startswith("data:image/png;base64,"))

    def _render(self, report, records, user):
        """The HTML of ``report`` on ``records``, as ``user`` prints it."""
        return (
            self.env["ir.actions.report"]
            .with_user(user)
            ._render_qweb_html(report, records.ids)[0]
            .decode()
        )

    def _statement(self):
        """The subscriber's statement, as the cashier prints it."""
        return self._render(
            "fee_collection.report_subscriber_statement",
            self.subscriber,
            self.user_cashier,
        )

    def test_a_statement_with_nothing_due_has_no_link(self):
        with freeze_time("2024-01-15"):
            html = self._statement()
        self.assertIn("Nothing is due", html)
        self.assertNotIn("o_fee_pay_url", html)

    def test_a_revoked_link_is_replaced_in_the_next_message(self):
        self._invoice(100.0, due="2024-01-01")
        with freeze_time("2024-01-05"), self.mockSMSGateway():
            self._dun()
            old = self._codes(self.env["sms.sms"].sudo().search([]).body)[0]
            self.subscriber.with_user(self.user_accountant).action_fee_revoke_pay_link()
            self.assertFalse(self.env["res.partner"]._fee_from_pay_code(old))
            html = self._statement()
            new = set(self._codes(html))
            self.assertNotIn(old, new)
            self._assert_pay_link(html, self.subscriber)


@tagged("post_install", "-at_install")
class TestBillingNotice(PayLinkCommon):
    """The payment notice at billing (缴费通知): one per subscriber billed, by the
    company's channel, with the amount, the due date and the pay link; never twice for
    a run; those who cannot be reached noted with the reason."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.fee_billing_notice = "sms_email"
        for partner, number in ((cls.subscriber, "TV-0001"), (cls.other, "TV-0002")):
            cls._create_subscription(
                partner=partner, number=number, date_start="2024-01-01"
            )
        cls._create_subscription(
            product=cls.product_broadband, number="BB-0001", date_start="2024-01-01"
        )

    def _bill(self, date="2024-01-01"):
        with freeze_time(date):
            return (
                self.env["fee.billing.run"]
                .with_user(self.user_accountant)
                .create({"date": date})
            )

    def _sms_of(self, partner):
        return self.env["sms.sms"].sudo().search([("partner_id", "=", partner.id)])

    def test_one_sms_per_subscriber_with_amount_due_date_and_link(self):
        self._invoice(20.0, date="2023-12-01")  # earlier arrears
        run = self._bill()
        with freeze_time("2024-01-01"), self.mockSMSGateway():
            run.action_run()
            for partner, amount, total in (
                (self.subscriber, "105.00", "125.00"),
                (self.other, "25.00", "25.00"),
            ):
                with self.subTest(partner=partner.name):
                    sms = self._sms_of(partner)
                    self.assertEqual(len(sms), 1)
                    self.assertIn(f"your new bill is $\xa0{amount}", sms.body)
                    self.assertIn("due by 01/01/2024", sms.body)
                    self.assertIn(f"total due on your account: $\xa0{total}", sms.body)
                    self._assert_pay_link(sms.body, partner)
                    # On the subscriber's chatter, with its delivery status.
                    self.assertSMSNotification(
                        [{"partner": partner, "state": "ready"}],
                        sms.body,
                        partner.message_ids.filtered(
                            lambda message: message.message_type == "sms"
                        ),
                    )
        notices = run.notice_ids
        self.assertEqual(run.notice_count, 2)
        self.assertRecordValues(
            notices.sorted(lambda notice: notice.partner_id.name),
            [
                {
                    "partner_id": self.other.id,
                    "channel": "sms",
                    "state": "sent",
                    "amount": 25.0,
                    "balance": 25.0,
                    "date_due": D("2024-01-01"),
                },
                {
                    "partner_id": self.subscriber.id,
                    "channel": "sms",
                    "state": "sent",
                    "amount": 105.0,
                    "balance": 125.0,
                    "date_due": D("2024-01-01"),
                },
            ],
        )
        self.assertEqual(
            notices.filtered(lambda n: n.partner_id == self.subscriber).invoice_ids,
            run.invoice_ids.filtered(lambda m: m.partner_id == self.subscriber),
        )

    def test_a_rerun_notifies_nobody_twice(self):
        run = self._bill()
        with freeze_time("2024-01-01"), self.mockSMSGateway():
            run.action_run()
            run.action_run()
            # A service due later, billed by the same run: its subscriber was told.
            self._create_subscription(
                partner=self.other,
                product=self.product_broadband,
                number="BB-0002",
                date_start="2024-01-01",
            )
            run.action_run()
            self.assertEqual(len(self._sms_of(self.subscriber)), 1)
            self.assertEqual(len(self._sms_of(self.other)), 1)
            self.assertEqual(len(run.invoice_ids), 3)
        self.assertEqual(len(run.notice_ids), 2)
        # The next month's run notifies again.
        february = self._bill("2024-02-01")
        with freeze_time("2024-02-01"), self.mockSMSGateway():
            february.action_run()
            self.assertEqual(len(self._sms_of(self.subscriber)), 2)
        self.assertEqual(len(february.notice_ids), 2)

    def test_email_when_no_sms_and_unreachable_noted(self):
        self.other.mobile = False
        silent = self._create_subscriber(
            "Wang Fang", sequence="003", mobile=False, email=False
        )
        opted_out = self._create_subscriber(
            "Zhao Lei",
            sequence="004",
            mobile="+8613800000004",
            email="zhao.lei@example.com",
        )
        mistyped = self._create_subscriber(
            "Sun Mei", sequence="005", mobile="12345", email=False
        )
        self.env["phone.blacklist"].sudo().add("+8613800000004")
        self.env["mail.blacklist"].sudo()._add("zhao.lei@example.com")
        for partner, number in (
            (silent, "TV-0003"),
            (opted_out, "TV-0004"),
            (mistyped, "TV-0005"),
        ):
            self._create_subscription(
                partner=partner, number=number, date_start="2024-01-01"
            )
        run = self._bill()
        with freeze_time("2024-01-01"), self.mockSMSGateway(), self.mock_mail_gateway():
            run.action_run()
            mail = self._new_mails.filtered(
                lambda mail: self.other in mail.recipient_ids
            )
            self.assertEqual(len(mail), 1)
            self.assertIn("$\xa025.00", mail.subject)
            self.assertIn("01/01/2024", mail.body_html)
            self._assert_pay_link(mail.body_html, self.other)
            self.assertIn("/report/barcode/", mail.body_html)
            self.assertFalse(self._sms_of(self.other) | self._sms_of(silent))
            self.assertFalse(self._sms_of(opted_out))
            self.assertEqual(len(self._new_mails), 1)
        notices = {notice.partner_id: notice for notice in run.notice_ids}
        self.assertEqual(
            (notices[self.other].channel, notices[self.other].state), ("email", "sent")
        )
        self.assertEqual(notices[self.subscriber].channel, "sms")
        self.assertRegex(notices[self.subscriber].note, r"^SMS queued to \+86")
        self.assertEqual(
            notices[self.other].note, f"E-mail queued to {self.other.email_normalized}."
        )
        self.assertEqual(
            notices[mistyped].note,
            "12345 is not a valid phone number. No e-mail address.",
        )
        self.assertEqual(notices[silent].state, "skipped")
        self.assertEqual(
            notices[silent].note, "No mobile or phone number. No e-mail address."
        )
        self.assertEqual(notices[opted_out].state, "skipped")
        self.assertIn("opted out of SMS", notices[opted_out].note)
        self.assertIn("opted out of e-mails", notices[opted_out].note)

    def test_company_setting_chooses_the_channel(self):
        self.env.company.fee_billing_notice = "email"
        run = self._bill()
        with freeze_time("2024-01-01"), self.mockSMSGateway(), self.mock_mail_gateway():
            run.action_run()
            self.assertFalse(self.env["sms.sms"].sudo().search([]))
            self.assertEqual(
                self._new_mails.recipient_ids, self.subscriber | self.other
            )
        self.env.company.fee_billing_notice = "none"
        february = self._bill("2024-02-01")
        with freeze_time("2024-02-01"), self.mockSMSGateway():
            february.action_run()
            self.assertFalse(self.env["sms.sms"].sudo().search([]))
        self.assertTrue(february.invoice_ids)
        self.assertFalse(february.notice_ids)
