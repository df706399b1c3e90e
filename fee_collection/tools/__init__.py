from .gb11643 import is_valid_id_number, normalize_id_number
