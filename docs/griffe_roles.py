"""Griffe extension: Sphinx cross-reference roles in docstrings shown as code in the API reference.

The package's docstrings name other objects the reStructuredText way (:class:`FupinModel`,
:func:`~fupin_sim.experiments.calibration.calibration_table`), which Markdown would print literally.
They become inline code (``~`` keeps the last name only, as in Sphinx).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|attr|data|exc|obj|const|ref):`(~?)([^`]+)`")


def plain(text: str) -> str:
    """Docstring text with each Sphinx role replaced by inline code.

    Args:
        text: A docstring.
    """
    return ROLE.sub(lambda m: f"`{m.group(2).rsplit('.', 1)[-1] if m.group(1) else m.group(2)}`", text)


class SphinxRoles(griffe.Extension):
    """Rewrites the roles of every docstring once the object tree is loaded."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Rewrite one object's docstring.

        Args:
            obj: The object whose docstring to rewrite.
            **kwargs: What else griffe passes (unused).
        """
        if obj.docstring is not None:
            obj.docstring.value = plain(obj.docstring.value)
