"""``python -m referral.build``: every build step in order (body, regions, atlas, dermatomes)."""

from __future__ import annotations

from referral.build import atlas, body, dermatomes, regions


def main() -> None:
    """Write the body outlines and landmarks, the regions, the atlas and the dermatomes."""
    for step in (body, regions, atlas, dermatomes):
        step.main()


if __name__ == "__main__":
    main()
