"""Group rooms in the desktop app: create, browse and join, invitations, members and settings."""
