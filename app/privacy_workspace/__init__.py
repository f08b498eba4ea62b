"""The privacy workspace (issue 9, part 4): a QWidget the main window hosts as a page.

    from app.privacy_workspace import PrivacyWorkspace
    page = PrivacyWorkspace(data_dir)

Standalone, for a look or a screenshot: `python -m app.privacy_workspace --data DIR`.
"""
from .widget import PrivacyWorkspace

__all__ = ["PrivacyWorkspace"]
