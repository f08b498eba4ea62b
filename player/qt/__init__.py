"""The Qt player: the sandboxed replay view, the timeline and the dev-tools pane.

QtWebEngine specifics stay in this package, behind plain interfaces (webview, runtime_bridge).
"""
