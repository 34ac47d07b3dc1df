"""Errors that users can act on. The CLI prints them as one line and exits 2; no traceback."""


class StanceError(Exception):
    """A problem the user can fix. The message says what is wrong, where, and how to fix it."""


class ModelNotFound(StanceError):
    """No model at the given URI or path."""


class ArtifactError(StanceError):
    """A model artifact is malformed, tampered with, or of another format version."""


class TrackingUnavailable(StanceError):
    """The MLflow tracking server does not answer."""
