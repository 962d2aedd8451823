"""SQL tracking store: schema, engine set-up, migrations, search."""
