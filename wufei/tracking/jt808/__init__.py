"""JT/T 808-2019 terminal gateway: ``codec`` (pure frame and message functions) and ``server``."""
