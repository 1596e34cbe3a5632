"""Message delivery between server instances and their connections."""
