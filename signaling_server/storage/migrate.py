"""Brings a database to the newest schema with Alembic, in place."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine

MIGRATIONS = Path(__file__).with_name("migrations")


def upgrade_to_head(url: str) -> None:
    """Apply every pending migration; an up-to-date database is left untouched."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            cfg = Config()
            cfg.set_main_option("script_location", str(MIGRATIONS))
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
    finally:
        engine.dispose()
