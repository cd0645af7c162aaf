"""``python -m postroom.cli``: the same as the ``postroom`` command."""

import sys

from postroom.cli._main import main

sys.exit(main())
