"""Outputs: text, Markdown and JSON renderings, story packs and the web explorer."""
