"""``python -m scimodel.datasets``: see :func:`scimodel.datasets.cli._cli`."""
from .cli import _cli

if __name__ == "__main__":
    _cli()
