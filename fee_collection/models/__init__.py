from . import fee_area
from . import product_template
from . import res_partner
from . import fee_subscription
from . import fee_billing_run
from . import account_move
from . import account_move_line
