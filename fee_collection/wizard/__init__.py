from . import fee_late_fee_waive, fee_subscription_suspend
