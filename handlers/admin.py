"""Admin commands (review, stats, export, reload): only for configured admins."""

from __future__ import annotations

from telegram.ext import Application


def add_handlers(application: Application) -> None:
    """Register admin handlers."""


async def register_admin_commands(application: Application) -> None:
    """Show admin commands in the menu of admins only."""
