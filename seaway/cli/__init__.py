"""The `seaway` command."""
