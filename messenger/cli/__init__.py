"""messenger-cli: the headless client as a JSON-lines command-line tool."""
