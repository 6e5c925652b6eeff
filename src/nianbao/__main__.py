"""`python -m nianbao` runs the same command line as the `nianbao` script."""

import sys

from .cli import main

sys.exit(main())
