"""`seaway demo`: the whole story on this machine, with the embedded local backend."""
