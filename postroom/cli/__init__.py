"""The ``postroom`` command line: the product's top layer, one module per command group."""

from postroom.cli._main import build_parser, main

__all__ = ["build_parser", "main"]
