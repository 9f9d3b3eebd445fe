"""The wait before a retry: exponential backoff with full jitter, as AWS recommends."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["backoff_delay"]


def backoff_delay(
    attempt: int, *, base_delay: float, max_delay: float, rng: Callable[[], float]
) -> float:
    """Seconds to wait before retry `attempt` (1, 2, ...): `rng() * min(max, base * 2**attempt)`."""
    return rng() * min(max_delay, base_delay * 2.0**attempt)
