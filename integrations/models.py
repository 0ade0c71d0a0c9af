"""Models of the integrations module (see ../shared/DESIGN.md)."""
