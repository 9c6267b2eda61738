"""Writes of the phone login, one module per topic: codes (asking for one, checking it),
sessions (tokens, refresh, logout), phone_change, delivery (the code's SMS)."""
