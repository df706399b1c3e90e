from .bounds import check_integer_range
from .field_guard import check_protected_fields
from .gb11643 import is_valid_id_number, normalize_id_number
