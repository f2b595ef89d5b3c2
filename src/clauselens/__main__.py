"""``python -m clauselens``."""

from clauselens.cli import main

if __name__ == "__main__":
    main()
