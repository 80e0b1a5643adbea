"""``python -m referral``: see :mod:`referral.cli`."""

import sys

from referral.cli import main

sys.exit(main())
