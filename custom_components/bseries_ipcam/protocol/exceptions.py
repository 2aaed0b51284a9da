"""One exception hierarchy for everything the protocol package raises."""

from __future__ import annotations

from .const import ResultCode


class BSeriesError(Exception):
    """Base of every error raised by this package."""


class ProtocolError(BSeriesError):
    """The peer sent bytes that do not follow the protocol (bad magic, lying length, truncation)."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        """Keep the byte offset where the problem was found, if known."""
        self.reason = message
        self.offset = offset
        super().__init__(message if offset is None else f"{message} (at byte offset {offset})")


class InvalidCredentialsError(BSeriesError, ValueError):
    """A user name or password that cannot be sent to the camera (too long, not ASCII)."""


class ConnectionFailedError(BSeriesError):
    """Connecting to the camera failed (refused, unreachable, DNS)."""


class ConnectionRefusedByCameraError(ConnectionFailedError):
    """The TCP connection was actively refused."""


class CameraTimeoutError(BSeriesError, TimeoutError):
    """The camera did not answer in time, or went silent."""


class ConnectionClosedError(BSeriesError):
    """The connection was closed, by the camera or locally."""


class CameraResponseError(BSeriesError):
    """The camera answered a request with a result code other than OK."""

    def __init__(self, result: int, message: str | None = None) -> None:
        """Keep the camera's result code."""
        self.result = result
        try:
            name = ResultCode(result).name.lower().replace("_", " ")
        except ValueError:
            name = f"result code {result}"
        super().__init__(message or f"camera answered: {name}")


class AuthenticationError(CameraResponseError):
    """Login or verification was rejected."""


class BadUserError(AuthenticationError):
    """The camera does not know this user."""


class BadPasswordError(AuthenticationError):
    """The password is wrong."""


class InsufficientPrivilegeError(CameraResponseError):
    """The user is known but may not do this."""


class TooManyConnectionsError(CameraResponseError):
    """The camera has no room for another client (or another talker)."""


class ProtocolVersionError(CameraResponseError):
    """The camera rejected the protocol version."""


class NotSupportedError(CameraResponseError):
    """The camera does not support this function (e.g. no speaker)."""


# --- CGI (HTTP on the camera's port) -----------------------------------------------------------
# A CGI reply has no result code: these carry -1 as `result` and name the CGI, never its query
# (which may hold the password).

CGI_RESULT = -1


class CgiResponseError(CameraResponseError):
    """A CGI answered with an error body or an unexpected HTTP status."""

    def __init__(self, cgi: str, reason: str) -> None:
        """Keep the CGI's name and what it answered."""
        self.cgi = cgi
        self.reason = reason
        super().__init__(CGI_RESULT, f"{cgi} answered: {reason}")


class CgiAuthenticationError(AuthenticationError):
    """A CGI answered 401: wrong credentials, or a user without the privilege it needs."""

    def __init__(self, cgi: str) -> None:
        """Keep the CGI's name."""
        self.cgi = cgi
        super().__init__(CGI_RESULT, f"{cgi} refused the credentials (HTTP 401)")


class CgiNotFoundError(NotSupportedError):
    """The camera has no such CGI (HTTP 404)."""

    def __init__(self, cgi: str) -> None:
        """Keep the CGI's name."""
        self.cgi = cgi
        super().__init__(CGI_RESULT, f"the camera has no {cgi} (HTTP 404)")


_ERRORS_BY_RESULT: dict[int, type[CameraResponseError]] = {
    ResultCode.BAD_USER: BadUserError,
    ResultCode.BAD_PASSWORD: BadPasswordError,
    ResultCode.TOO_MANY_CONNECTIONS: TooManyConnectionsError,
    ResultCode.BAD_PROTOCOL_VERSION: ProtocolVersionError,
    ResultCode.INSUFFICIENT_PRIVILEGE: InsufficientPrivilegeError,
    ResultCode.NOT_SUPPORTED: NotSupportedError,
}


def error_for_result(result: int) -> CameraResponseError:
    """The typed error for a camera result code."""
    return _ERRORS_BY_RESULT.get(result, CameraResponseError)(result)
