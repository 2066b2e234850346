"""``python -m fupin_sim.cli``: the ``fupin`` command."""

import sys

from fupin_sim.cli import main

sys.exit(main())
