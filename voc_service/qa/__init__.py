"""Quality inspection: rule packs (YAML) compiled once into an engine that checks every
conversation, promise tracking across conversations, and the data behind review and scorecards."""
