from django.core.exceptions import ValidationError


class ServiceError(ValidationError):
    """A request the domain refuses, with a message fit to show the person who made it.

    Views show it beside the form; the API answers 400 (or `status`) with it as JSON.
    """

    def __init__(self, message: str, *, field: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.field = field
        self.status = status
        self.text = message
