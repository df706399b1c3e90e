from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import FeeCollectionCommon, make_id_number


@tagged("post_install", "-at_install")
class TestSubscriber(FeeCollectionCommon):
    def test_id_number_stored_normalized(self):
        partner = self._create_subscriber("Li Na", sequence="002")
        partner.id_number = "11010519491231002x"
        self.assertEqual(partner.id_number, "11010519491231002X")

    def test_invalid_id_number_refused(self):
        with self.assertRaisesRegex(
            ValidationError, "Invalid ID number 350102198001011237"
        ):
            self.env["res.partner"].create(
                {
                    "name": "Wrong Digit",
                    "is_subscriber": True,
                    "id_number": "350102198001011237",
                }
            )

    def test_duplicate_id_number_refused_among_subscribers(self):
        with self.assertRaisesRegex(
            ValidationError, "already used by subscriber Zhang Wei"
        ):
            self._create_subscriber("Zhang Wei Again", sequence="001")

    def test_full_width_id_number_is_stored_in_ascii_and_checked_for_duplicates(self):
        ascii_number = self.subscriber.id_number
        full_width = ascii_number.translate(
            {ord(c): 0xFF10 + int(c) for c in "0123456789"} | {ord("X"): "Ｘ"}
        )
        with self.assertRaisesRegex(ValidationError, "already used by subscriber"):
            self._create_subscriber("Zhang Wei Full Width", id_number=full_width)
        other = self._create_subscriber("Wang Fang", sequence="003")
        other.id_number = make_id_number(sequence="004").translate(
            {ord(c): 0xFF10 + int(c) for c in "0123456789"}
        )
        self.assertEqual(other.id_number, make_id_number(sequence="004"))

    def test_id_number_in_other_digits_is_refused_clearly(self):
        for number in ("35010219800101١٢٣٤", "3501021980010112³3"):
            with self.subTest(number=number):
                with self.assertRaisesRegex(ValidationError, "Invalid ID number"):
                    self._create_subscriber("Odd Digits", id_number=number)

    def test_duplicate_in_one_batch_refused(self):
        number = make_id_number(sequence="077")
        with self.assertRaises(ValidationError):
            self.env["res.partner"].create(
                [
                    {"name": "Twin A", "is_subscriber": True, "id_number": number},
                    {"name": "Twin B", "is_subscriber": True, "id_number": number},
                ]
            )

    def test_same_id_number_allowed_for_non_subscriber_and_other_company(self):
        contact = self.env["res.partner"].create(
            {
                "name": "Zhang Wei (contact)",
                "id_number": self.subscriber.id_number,
            }
        )
        self.assertTrue(contact)
        other_company = self.setup_other_company()["company"]
        other = self.env["res.partner"].create(
            {
                "name": "Zhang Wei",
                "is_subscriber": True,
                "company_id": other_company.id,
                "id_number": self.subscriber.id_number,
            }
        )
        self.assertEqual(other.id_number, self.subscriber.id_number)

    def test_becoming_subscriber_checks_duplicates(self):
        contact = self.env["res.partner"].create(
            {
                "name": "Contact",
                "id_number": self.subscriber.id_number,
            }
        )
        with self.assertRaises(ValidationError):
            contact.is_subscriber = True

    def test_file_completeness(self):
        self.assertTrue(self.subscriber.file_complete)
        incomplete = self.env["res.partner"].create(
            {
                "name": "No Address",
                "is_subscriber": True,
                "mobile": "13900000000",
                "id_number": make_id_number(sequence="003"),
                "area_id": self.grid.id,
            }
        )
        self.assertFalse(incomplete.file_complete)
        found = self.env["res.partner"].search(
            [
                ("is_subscriber", "=", True),
                ("file_complete", "=", False),
            ]
        )
        self.assertIn(incomplete, found)
        self.assertNotIn(self.subscriber, found)

    def test_form_area_proposes_collector(self):
        with Form(
            self.env["res.partner"].with_context(default_is_subscriber=True)
        ) as form:
            form.name = "Wang Fang"
            form.area_id = self.grid
            self.assertEqual(form.collector_id, self.user_collector)
            form.id_number = make_id_number(sequence="004")
        self.assertEqual(form.record.collector_id, self.user_collector)

    def test_area_tree(self):
        self.assertEqual(self.grid.complete_name, "North Branch / Grid 1")
        self.assertEqual(self.grid.branch_id, self.branch)
        self.assertEqual(self.branch.branch_id, self.branch)
        with self.assertRaisesRegex(UserError, "Recursion"):
            self.branch.parent_id = self.grid

    def test_subscription_count(self):
        self._create_subscription(number="TV-1")
        self._create_subscription(product=self.product_broadband, number="BB-1")
        self.assertEqual(self.subscriber.subscription_count, 2)
        action = self.subscriber.action_view_subscriptions()
        self.assertEqual(
            self.env["fee.subscription"].search(action["domain"]),
            self.subscriber.subscription_ids,
        )
