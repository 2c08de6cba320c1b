"""Every SQL statement of mailbot: the schema, its migrations, and one module per table family."""
