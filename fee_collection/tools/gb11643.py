"""Chinese resident identity numbers (居民身份证号码) per GB 11643-1999.

Eighteen characters: six digits of region, eight of birth date (YYYYMMDD), three of sequence and
a check character computed with ISO 7064 MOD 11-2 (digits or ``X`` for ten).
"""

import datetime
import re

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
ID_NUMBER_FORMAT = re.compile(r"[0-9]{17}[0-9X]")
# Typed with a Chinese input method, digits and X come full-width (０-９, Ｘ).
FULL_WIDTH = str.maketrans(
    {chr(0xFF10 + digit): str(digit) for digit in range(10)} | {"Ｘ": "X", "ｘ": "X"}
)


def normalize_id_number(value):
    """Strip blanks, turn full-width digits and X into ASCII and upper-case the check
    character; falsy stays as it is. Other characters are kept, for the check to refuse."""
    return "".join(value.split()).translate(FULL_WIDTH).upper() if value else value


def check_character(first17):
    return CHECK_CHARS[
        sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11
    ]


def is_valid_id_number(value):
    value = normalize_id_number(value) or ""
    # ASCII only: str.isdigit() also takes Arabic-Indic or superscript digits.
    if not ID_NUMBER_FORMAT.fullmatch(value):
        return False
    try:
        birth = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    if not datetime.date(1900, 1, 1) <= birth <= datetime.date.today():
        return False
    return value[17] == check_character(value[:17])
