"""Models of the performance module (see ../shared/DESIGN.md)."""
