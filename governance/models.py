"""Models of the governance module (see ../shared/DESIGN.md)."""
