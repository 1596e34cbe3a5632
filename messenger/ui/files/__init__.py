"""File messages in the desktop app: cards, thumbnails, the image viewer, drops and paste."""
