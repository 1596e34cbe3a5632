"""Request handlers, one module per domain. Each decides; storage persists."""
