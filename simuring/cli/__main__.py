"""``python -m simuring.cli``: the same as the ``simuring`` command."""

import sys

from simuring.cli import main

sys.exit(main())
