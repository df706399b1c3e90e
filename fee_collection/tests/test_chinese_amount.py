from odoo.tests import BaseCase, tagged

from odoo.addons.fee_collection.tools import amount_in_chinese_capitals


@tagged("post_install", "-at_install")
class TestChineseAmount(BaseCase):
    """Amounts in Chinese capitals (大写金额) as the People's Bank of China's rules write
    them, with the rules' own examples."""

    def assertCapitals(self, cases):
        for amount, capitals in cases:
            with self.subTest(amount=amount):
                self.assertEqual(amount_in_chinese_capitals(amount), capitals)

    def test_whole_yuan_end_with_zheng(self):
        self.assertCapitals(
            [
                (198.00, "壹佰玖拾捌元整"),
                (198, "壹佰玖拾捌元整"),
                (1, "壹元整"),
                (10, "壹拾元整"),
                (15, "壹拾伍元整"),
                (110, "壹佰壹拾元整"),
                (1000, "壹仟元整"),
                (10000, "壹万元整"),
                (100000, "壹拾万元整"),
                (1000000, "壹佰万元整"),
                (100000000, "壹亿元整"),
                (0, "零元整"),
            ]
        )

    def test_jiao_and_fen(self):
        self.assertCapitals(
            [
                (1005.30, "壹仟零伍元叁角"),
                (0.50, "伍角"),
                (0.05, "伍分"),
                (0.55, "伍角伍分"),
                (6007.14, "陆仟零柒元壹角肆分"),
                (1409.50, "壹仟肆佰零玖元伍角"),
            ]
        )

    def test_zeros(self):
        self.assertCapitals(
            [
                # A zero 角 before a non-zero 分: 零 after 元.
                (10000.07, "壹万元零柒分"),
                (16409.02, "壹万陆仟肆佰零玖元零贰分"),
                (325.04, "叁佰贰拾伍元零肆分"),
                # A zero 元 digit before a non-zero 角: the rules' first way, with 零.
                (1680.32, "壹仟陆佰捌拾元零叁角贰分"),
                (107000.53, "壹拾万柒仟元零伍角叁分"),
                # One 零 for zeros between digits, none for trailing zeros.
                (1005, "壹仟零伍元整"),
                (1050, "壹仟零伍拾元整"),
                (10500, "壹万零伍佰元整"),
                (100500, "壹拾万零伍佰元整"),
                (100010000, "壹亿零壹万元整"),
                (100000001, "壹亿零壹元整"),
                (100005000, "壹亿零伍仟元整"),
                (123456789.12, "壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元壹角贰分"),
                (1234500000000, "壹万贰仟叁佰肆拾伍亿元整"),
            ]
        )

    def test_rounded_half_up_to_the_fen(self):
        self.assertCapitals(
            [
                (2.675, "贰元陆角捌分"),
                (0.005, "壹分"),
                (0.004, "零元整"),
                (99.999, "壹佰元整"),
            ]
        )

    def test_negative_amounts_are_refused(self):
        with self.assertRaisesRegex(ValueError, "negative"):
            amount_in_chinese_capitals(-12.5)
