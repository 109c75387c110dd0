"""Telegram handlers, one module per conversation feature."""
