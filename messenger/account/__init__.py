"""The signed-in account's view of the world, Qt-free: roster, conversation summaries, policies.

The desktop UI presents these; the CLI, tests and bots can use them headless.
"""
