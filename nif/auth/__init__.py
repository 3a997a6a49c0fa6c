"""API tokens and roles: who may write to the registry, and as which agency."""

from nif.auth._tokens import Principal, Role, TokenInfo, TokenStore

__all__ = ["Principal", "Role", "TokenInfo", "TokenStore"]
