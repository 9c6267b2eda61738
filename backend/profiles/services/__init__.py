"""The profile app's writes, one module per topic: `users` (create, update and delete an
account), `invites` (make and activate invite codes), `avatars` (check and re-encode an
upload)."""
