"""Models of the finance module (see ../shared/DESIGN.md)."""
