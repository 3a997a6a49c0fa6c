"""The server-rendered web pages (Jinja2), in English, German and French."""

from nif.web.pages._render import error_page, is_api, localized_message, wants_html

__all__ = ["error_page", "is_api", "localized_message", "wants_html"]
