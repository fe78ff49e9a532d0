"""The few named errors of visitdesk. Each message is meant for the user to act on."""

from __future__ import annotations


class VisitdeskError(Exception):
    """Base of every error whose message can be shown to a user as it is."""


class InputError(VisitdeskError, ValueError):
    """The user's input (a file, an option, a field) cannot be used; the message says why."""


class ImportRefused(InputError):
    """A whole file cannot be imported; nothing was stored."""


class PlanError(InputError):
    """Plan parameters that cannot make a valid plan; the message says what to change."""


class PlaybookError(InputError):
    """The playbook resource is invalid; the message names the entry."""


class NotFound(VisitdeskError, LookupError):
    """An account, visit or file that does not exist."""


class StateError(VisitdeskError):
    """An action not allowed in the record's current state (e.g. editing a finalised visit)."""


class SigningError(VisitdeskError):
    """A certificate, key or passphrase problem while signing."""


class ImportCancelled(VisitdeskError):
    """The user cancelled an import; nothing was stored."""


class Unavailable(VisitdeskError):
    """The store is busy with another program or the disk is full: nothing was changed, and
    trying again later (or after freeing space) will work."""
