"""Side-by-side performance benchmark: ``python -m bench`` (see README "Performance")."""
