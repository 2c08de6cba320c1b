"""The read-only web view of the register (`mailbot web`): Datasette with mailbot's metadata, login and permissions."""
