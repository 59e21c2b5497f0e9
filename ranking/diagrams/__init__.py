"""Diagram core: the node-list format, a typed model, rendering and geometry.

Plain Python (no Django imports) so it can be used and tested from a shell.
"""
