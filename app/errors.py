"""The one exception services raise for bad input: messages keyed by the field (or row) they name."""


class ValidationError(ValueError):
    def __init__(self, errors):
        if isinstance(errors, str):
            errors = {"": errors}
        self.errors: dict[str, str] = {str(k): str(v) for k, v in errors.items()}
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return ";".join(f"{k}:{v}" if k else v for k, v in self.errors.items())

    def as_json(self) -> dict:
        return {"error": self.message, "errors": self.errors}
