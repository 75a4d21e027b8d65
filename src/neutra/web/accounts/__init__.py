"""Accounts: logging in and out with throttling, and personal API tokens."""
