"""Git access (fetch, revisions, write-back commits) and rendering of a revision into objects."""
