from .bounds import check_finite_numbers, check_integer_range
from .chinese_amount import amount_in_chinese_capitals
from .field_guard import check_protected_fields
from .gb11643 import is_valid_id_number, normalize_id_number
from .given_values import keep_given_values
from .notification import CLOSE_DIALOG, RELOAD_VIEW, notification
from .separation import check_separation
