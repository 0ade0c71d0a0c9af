"""Models of the risk module (see ../shared/DESIGN.md)."""
