"""``python -m evimap.cli``: the same as the ``evimap`` command."""

from evimap.cli import main

if __name__ == "__main__":
    main()
