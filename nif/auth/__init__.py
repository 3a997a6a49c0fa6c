"""API tokens and roles: who may write to the registry, and as which agency."""

from nif.auth._tokens import TOKENS_SCHEMA, Principal, Role, TokenInfo, TokenStore

__all__ = ["TOKENS_SCHEMA", "Principal", "Role", "TokenInfo", "TokenStore"]
