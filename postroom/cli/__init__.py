"""The ``postroom`` command line: the product's top layer, one module per command group.

``ENVIRONMENT`` lists every environment variable the commands read, with the option each
stands for; ``require_broker`` is the fast "does a broker answer" check they run first.
"""

from postroom.cli._broker import require_broker
from postroom.cli._main import build_parser, main
from postroom.cli._options import ENVIRONMENT, EnvOption

__all__ = ["ENVIRONMENT", "EnvOption", "build_parser", "main", "require_broker"]
