"""Side-by-side performance benchmark: ``python -m bench`` (see docs/performance.md)."""
