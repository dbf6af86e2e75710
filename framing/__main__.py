"""``python -m framing`` runs the ``framing`` command line."""

from framing.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
