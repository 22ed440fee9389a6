"""What every logged-in user manages for themselves: API tokens (``/account``)."""
