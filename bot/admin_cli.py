"""Admin commands at a terminal: review groups, exports of the log and of learned aliases."""

from __future__ import annotations

import argparse


def add_admin_commands(sub: argparse._SubParsersAction) -> None:
    """Register the admin subcommands."""
