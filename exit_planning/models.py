"""Models of the exit_planning module (see ../shared/DESIGN.md)."""
