"""``python -m kg`` runs the command line."""

from kg.cli import entry_point

if __name__ == "__main__":
    entry_point()
