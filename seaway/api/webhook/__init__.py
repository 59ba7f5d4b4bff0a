"""Git push webhooks (GitHub, GitLab, generic): signatures, payloads and which apps a push
concerns. Pure, apart from `secrets`, which reads the server's configuration."""
