"""``python -m thermolearn`` behaves exactly like the ``thermolearn`` script."""

import sys

from .cli import main

sys.exit(main())
