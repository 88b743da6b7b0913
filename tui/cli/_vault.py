"""``fieldpad init``, ``unlock check`` and ``passwd``: the vault of a profile."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from ._common import Parents, command, out, unlock

if TYPE_CHECKING:
    from store import Profile


def add_parsers(sub: argparse._SubParsersAction, parents: Parents) -> None:
    p = command(sub, "init", "create the vault of a new profile", parents.unlock, cmd_init,
                description="Create the vault of a new profile: asks for a passphrase and "
                            "prints a 24-word recovery key, once.")
    p.add_argument("--author", metavar="INITIALS",
                   help="how your notes are signed in lists (initials or designation)")
    p.add_argument("--kdf-memory-mib", type=int, metavar="MIB",
                   help="Argon2id memory in MiB (default 256; at least 64)")

    p = command(sub, "unlock", "check a passphrase", parents.unlock, cmd_unlock_check)
    p.add_argument("what", choices=["check"], help="check: unlock, count the notes, lock")
    p.add_argument("--recovery", action="store_true",
                   help="check the 24-word recovery key instead (read from the prompt or file)")

    p = command(sub, "passwd", "change the passphrase (re-wraps only the data key)",
                parents.unlock, cmd_passwd)
    p.add_argument("--recovery", action="store_true",
                   help="forgotten passphrase: prove it with the 24-word recovery key instead")
    p.add_argument("--new-passphrase-file", metavar="PATH",
                   help="read the new passphrase from the first line of PATH")


def cmd_init(profile: Profile, args: argparse.Namespace) -> int:
    from store import FieldpadError, KdfParams
    from store.crypto import DEFAULT_ITERATIONS, DEFAULT_LANES, MIB

    from ._passphrase import PassphraseSource

    if profile.has_vault:
        raise FieldpadError(f"{profile.directory} already has a vault; `fieldpad passwd` changes "
                            "its passphrase")
    params = KdfParams.new(args.kdf_memory_mib * MIB if args.kdf_memory_mib else None,
                           DEFAULT_ITERATIONS, DEFAULT_LANES)
    passphrase = PassphraseSource(args).new(0, "passphrase")
    session, words = profile.init(passphrase, params, author=args.author)
    session.lock()
    profile.close()
    out(f"Created a vault in {profile.directory}.")
    out("")
    out("Your recovery key: write it down now and keep it apart from this laptop.")
    out("It is shown only this once. With it you can set a new passphrase if you forget yours.")
    out("")
    w = words.split()
    for i in range(0, len(w), 6):
        out("   " + "  ".join(f"{n + 1:2d}.{word:<9}" for n, word in enumerate(w[i:i + 6], i)))
    out("")
    return 0


def cmd_unlock_check(profile: Profile, args: argparse.Namespace) -> int:
    if args.recovery:
        session = profile.unlock_recovery(_recovery_words(args))
    else:
        session = unlock(profile, args)
    n = len(session.list_notes())
    session.lock()
    out(f"unlocked: {n} notes in {profile.directory}")
    return 0


def _recovery_words(args: argparse.Namespace) -> str:
    from ._passphrase import PassphraseSource

    src = PassphraseSource(args)
    if src.scripted:
        return src.line(0, "recovery key")
    if not sys.stdin.isatty():
        return sys.stdin.readline()
    return input("Recovery key (24 words): ")


def cmd_passwd(profile: Profile, args: argparse.Namespace) -> int:
    from ._passphrase import PassphraseSource

    src = PassphraseSource(args)
    if args.new_passphrase_file:
        new = PassphraseSource(argparse.Namespace(passphrase_file=args.new_passphrase_file)).get()
    else:
        new = src.new(1, "new passphrase (second line)")
    if args.recovery:
        profile.reset_passphrase_with_recovery(_recovery_words(args), new)
    else:
        profile.change_passphrase(src.get("Current passphrase: "), new)
    out("Passphrase changed. Your recovery key still works.")
    return 0
