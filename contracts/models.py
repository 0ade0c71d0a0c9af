"""Models of the contracts module (see ../shared/DESIGN.md)."""
