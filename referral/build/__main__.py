"""``python -m referral.build``: run every build step in order (body, regions, atlas)."""

from __future__ import annotations

from referral.build import atlas, body, regions


def main() -> None:
    """Write the body outlines and landmarks, then the regions, then the atlas geometry."""
    for step in (body, regions, atlas):
        step.main()


if __name__ == "__main__":
    main()
