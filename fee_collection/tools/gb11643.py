"""Chinese resident identity numbers (居民身份证号码) per GB 11643-1999.

Eighteen characters: six digits of region, eight of birth date (YYYYMMDD), three of sequence and
a check character computed with ISO 7064 MOD 11-2 (digits or ``X`` for ten).
"""

import datetime

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"


def normalize_id_number(value):
    """Strip blanks and upper-case the check character; falsy stays as it is."""
    return "".join(value.split()).upper() if value else value


def check_character(first17):
    return CHECK_CHARS[
        sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11
    ]


def is_valid_id_number(value):
    value = normalize_id_number(value) or ""
    if len(value) != 18 or not value[:17].isdigit():
        return False
    try:
        birth = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    if not datetime.date(1900, 1, 1) <= birth <= datetime.date.today():
        return False
    return value[17] == check_character(value[:17])
