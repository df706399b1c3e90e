from odoo.tests import TransactionCase, tagged

from odoo.addons.fee_collection.tools.gb11643 import (
    is_valid_id_number,
    normalize_id_number,
)


@tagged("post_install", "-at_install")
class TestIdNumber(TransactionCase):
    def test_validation_table(self):
        cases = [
            ("11010519491231002X", True, "valid, check character X"),
            ("11010519491231002x", True, "lower-case x is accepted"),
            (" 110105 19491231 002X ", True, "blanks are ignored"),
            ("350102198001011233", True, "valid, digit check character"),
            ("350102198001011237", False, "wrong check digit"),
            ("110105194912310021", False, "wrong check digit instead of X"),
            ("11010519491231002", False, "17 characters"),
            ("11010519491231002X1", False, "19 characters"),
            ("", False, "empty"),
            ("1101051949123100XX", False, "X before the last position"),
            ("110105194913310026", False, "month 13"),
            ("110105194902300024", False, "30 February"),
            ("110105209912310023", False, "born in the future"),
            ("11010519491231A02X", False, "letter inside"),
            ("１１０１０５１９４９１２３１００２Ｘ", True, "full-width digits and X"),
            ("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", False, "Arabic-Indic digits"),
            ("1101051949123100²X", False, "superscript digit"),
        ]
        for number, expected, why in cases:
            with self.subTest(number=number, why=why):
                self.assertEqual(is_valid_id_number(number), expected)

    def test_normalize(self):
        self.assertEqual(
            normalize_id_number(" 11010519491231002x "), "11010519491231002X"
        )
        self.assertEqual(
            normalize_id_number("１１０１０５１９４９１２３１００２ｘ"),
            "11010519491231002X",
        )
        self.assertFalse(normalize_id_number(False))
