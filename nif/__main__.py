"""`python -m nif`: the same as the `nif` console script."""

from nif.cli import main

if __name__ == "__main__":
    main()
