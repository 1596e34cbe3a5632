"""Alembic revision scripts for the client store."""
