"""Glue between this project and mmengine (checkpoint I/O, hooks, registries)."""
