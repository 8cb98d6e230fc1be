"""propdesk-web: the web desk (``propdesk serve``) over the same ``Desk`` as the CLI."""

__version__ = "0.1.0"
