"""Record mode: the built-in recording browser (`browser`) and the page QA uses (`page`)."""

# ⚑ Mark the bug's key, while recording: the page (page.py), the app's Help and the commands'
# help name it from here (no Qt to import for it)
MARK_BUG_KEYS = "Ctrl+M"
# Record / Stop (as Chrome DevTools' recorders start and stop), and the bug panel beside the
# browser shown or hidden
RECORD_KEYS = "Ctrl+E"
BUG_PANEL_KEYS = "Ctrl+Shift+B"
