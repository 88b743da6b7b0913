"""fieldpad's local truth: the encrypted SQLite store of one profile, its notes and their merge,
and the sync replica. Imports neither ``sync`` nor ``tui``.

The parts, each behind its own face:

- ``store.crypto``: the cryptographic core (KDF, vault, envelopes, padding, sealed values, keys).
  Pure, no I/O; the sync server uses it to check what it is sent.
- ``store.team``: the signed roster log, invitations, what this device trusts, who may change
  an inspection.
- ``store.inspection``: the inspection domain (record kinds, tags, evidence, concerns, reviews,
  uncertainty, timeline, export, minimisation).
- ``store`` itself (this face): the profile, its database and streams, the session, the replica,
  retention, merge; it also re-exports the names most callers need from the parts.

The face is lazy (PEP 562, from the stub ``__init__.pyi``, which type checkers read): importing
``store.crypto`` does not load the session, sqlite-utils or merge3.
"""

import lazy_loader as _lazy

__getattr__, __dir__, __all__ = _lazy.attach_stub(__name__, __file__)
