"""Amounts in Chinese capitals (大写金额), as receipts, cheques and invoices write them.

The rules of the People's Bank of China (《支付结算办法》附一《正确填写票据和结算凭证的基本规定》):
capital digits 壹贰叁肆伍陆柒捌玖 with the units 拾佰仟万亿, 元 角 分 to the fen; 整 after 元
when there are no 角 and 分 (none after 角 nor 分); one 零 for one or more zeros between digits;
壹 written before 拾 (壹拾元整); a 零 after 元 when the 角 is zero and the 分 is not
(壹万元零柒分). Where the rules allow a 零 or none, this writes the rules' first example:
a 零 after a zero 元 digit (壹仟陆佰捌拾元零叁角贰分), none after a zero 万 digit
(壹拾万柒仟元零伍角叁分).
"""

from decimal import ROUND_HALF_UP, Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
TEN_THOUSAND = 10**4
HUNDRED_MILLION = 10**8


def amount_in_chinese_capitals(amount):
    """``amount`` (a number of yuan, not negative, rounded half up to the fen) in Chinese
    capitals: 198 → 壹佰玖拾捌元整, 1005.3 → 壹仟零伍元叁角, 10000.07 → 壹万元零柒分,
    0.5 → 伍角."""
    in_fen = int(
        Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100
    )
    if in_fen < 0:
        raise ValueError(f"A negative amount has no capitals: {amount}")
    if not in_fen:
        return "零元整"
    yuan, cents = divmod(in_fen, 100)
    text = _integer(yuan) + "元" if yuan else ""
    if not cents:
        return text + "整"
    jiao, fen = divmod(cents, 10)
    if yuan and (not jiao or not yuan % 10):
        text += "零"
    if jiao:
        text += DIGITS[jiao] + "角"
    if fen:
        text += DIGITS[fen] + "分"
    return text


def _integer(number):
    """A positive whole number in capitals: 亿 and 万 group it by eight and four digits."""
    if number >= HUNDRED_MILLION:
        return _grouped(number, HUNDRED_MILLION, "亿")
    if number >= TEN_THOUSAND:
        return _grouped(number, TEN_THOUSAND, "万")
    return _below_ten_thousand(number)


def _grouped(number, unit, unit_name):
    high, low = divmod(number, unit)
    text = _integer(high) + unit_name
    if low:
        # The lower part starts with a zero digit: 壹万零伍佰, 壹亿零壹万.
        if low < unit // 10:
            text += "零"
        text += _integer(low)
    return text


def _below_ten_thousand(number):
    text = ""
    zero = False
    for digit, unit in zip(f"{number:04d}", ("仟", "佰", "拾", ""), strict=True):
        if digit == "0":
            zero = bool(text)
            continue
        if zero:
            text += "零"
            zero = False
        text += DIGITS[int(digit)] + unit
    return text
