"""What the platforms' renderers share (``blocks``: the walk over a Reply's blocks, the
splitter, list markers, button labels; ``bidi``: Unicode bidi isolation of right-to-left
replies). Each platform's own renderer lives in its package (bot/platforms/<name>/render.py):
a neutral Reply in, that platform's text out."""
