"""The inspection domain: record kinds as versioned templates, evidence tags, the evidence
matrix, concerns, record reviews, areas of uncertainty, the timeline, export and the
minimisation check. Functions over notes; the session that holds them is the caller's.

The face is lazy (from the stub ``__init__.pyi``, which type checkers read), so importing one
name here does not load the others (the export's DOCX writer, for one).
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
