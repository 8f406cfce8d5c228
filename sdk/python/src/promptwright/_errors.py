"""The errors a loader raises: one base class, so an application can catch them all."""


class ReleaseError(Exception):
    """A release cannot be loaded or rendered: unknown prompt or ref, bad file, bad vars."""


class MissingVariable(ReleaseError):
    """The template reads a variable the vars do not give."""


class TamperedRelease(ReleaseError):
    """A release file whose content_sha256 does not match its prompt, or a label file
    that is not a copy of the version it names."""
