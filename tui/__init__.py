"""fieldpad's face: the ``fieldpad`` command line and the full-screen Textual app.

Kept import-light on purpose: ``fieldpad --version`` must not pay for Textual or crypto.
"""

from ._version import __version__

__all__ = ["__version__"]
