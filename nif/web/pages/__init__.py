"""The server-rendered web pages (Jinja2), in English, German and French."""
