"""The branch server: a PostgreSQL database that is the server (no visitdesk process runs on it).

Who may see and change what is decided by the database itself: login roles, grants and
row-level security keyed on ``current_user`` (``schema.py``), so that even a raw SQL session with
an officer's login reads only that officer's customers and cannot alter a pushed record.
``admin.py`` holds what the bank's DBA runs (``server init``, ``server user add``);
``connection.py`` opens a connection without ever writing the password down.
"""
