"""One renderer per platform: a neutral Reply in, that platform's text out (escaped, split)."""
