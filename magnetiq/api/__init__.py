"""Cross-cutting API plumbing: envelope, errors, pagination, permissions, request id."""
