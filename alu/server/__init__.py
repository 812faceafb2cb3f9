"""The OpenAI-compatible gateway (`alu serve`): settings, the gateway, the wire format, routes and the app."""

from .app import create_app, serve
from .errors import ApiError
from .gateway import Gateway
from .settings import ServerSettings

__all__ = ["ApiError", "Gateway", "ServerSettings", "create_app", "serve"]
