from . import (
    account_move_reversal,
    account_payment_register,
    fee_late_fee_waive,
    fee_subscription_suspend,
)
