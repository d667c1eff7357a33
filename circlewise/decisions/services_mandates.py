"""Helping circles' mandates: moved to decisions.services.helping (kept here for the modules
that still import it by this name)."""

from .services.helping import (
    HANDED_BACK_STATES,
    check_extension,
    end_expired_helping_circles,
    extend_mandate,
)

__all__ = ["HANDED_BACK_STATES", "check_extension", "end_expired_helping_circles", "extend_mandate"]
