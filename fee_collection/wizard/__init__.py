from . import fee_subscription_suspend
