"""Alembic migrations for the client store (a package so the scripts ship in the wheel)."""
