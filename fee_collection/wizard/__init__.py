from . import fee_subscription_suspend
from . import fee_late_fee_waive
