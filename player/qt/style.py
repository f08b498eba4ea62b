"""The player's dark, dev-tools-like look (one Qt stylesheet). A style sheet drops Qt's own
focus frame: each control that takes focus by Tab says so here (`:focus`), in a colour no
hover uses, or a keyboard user cannot tell where they are."""

STYLESHEET = """
#replayWidget, #replayWidget QWidget { background: #1b1d22; color: #d7dae0; font-size: 12px; }
#replayWidget QMenu { background: #23262d; border: 1px solid #3a3f4a; padding: 3px 0; }
#replayWidget QMenu::item { padding: 4px 20px; }
#replayWidget QMenu::item:selected { background: #264f78; color: #ffffff; }
#replayWidget QMenu::item:disabled { color: #5f6672; background: transparent; }
#replayWidget QMenu::separator { height: 1px; background: #3a3f4a; margin: 3px 8px; }
#replayWidget QSplitter::handle { background: #2c3038; }
#timeline { background: #202329; border-top: 1px solid #2c3038; }
#timeline QLabel#timeLabel { color: #aeb4c0; padding: 0 2px; }
#timeline QLabel#skipNote { color: #0d1117; background: #d2a8ff; border-radius: 9px; padding: 1px 8px;
                            font-weight: bold; }
#timeline QLabel#readingNote { color: #0d1117; background: #e3b341; border-radius: 9px; padding: 1px 8px;
                               font-weight: bold; }
#replayWidget QToolButton#play { background: #58a6ff; color: #0d1117; border: none; border-radius: 17px;
                   font-size: 14px; font-weight: bold; }
#replayWidget QToolButton#play:hover { background: #79b8ff; }
#replayWidget QComboBox { background: #2a2e36; border: 1px solid #3a3f4a; border-radius: 4px;
                          padding: 2px 8px; min-width: 56px; }
#replayWidget QComboBox QAbstractItemView { background: #2a2e36; selection-background-color: #264f78; }
#replayWidget QCheckBox { spacing: 6px; color: #aeb4c0; }
#replayWidget QLineEdit { background: #2a2e36; border: 1px solid #3a3f4a; border-radius: 4px;
                          padding: 3px 8px; selection-background-color: #264f78; }
#replayWidget QLineEdit:focus { border-color: #58a6ff; }
#replayWidget QTabWidget::pane { border: none; border-top: 1px solid #2c3038; }
#replayWidget QTabBar { background: #202329; }
#replayWidget QTabBar::tab { background: #202329; color: #9aa1ad; padding: 7px 7px;
                             border: none; border-bottom: 2px solid transparent; }
#replayWidget QTabBar::tab:selected { color: #e6e9ef; border-bottom: 2px solid #58a6ff; }
#replayWidget QTabBar::tab:hover { color: #e6e9ef; }
#replayWidget QTableView { background: #1b1d22; alternate-background-color: #1f2227;
                           border: none; gridline-color: #2c3038;
                           selection-background-color: #2d4a6b; selection-color: #ffffff; }
#replayWidget QHeaderView::section { background: #202329; color: #8b93a1; border: none;
                                     border-bottom: 1px solid #2c3038; border-right: 1px solid #2c3038;
                                     padding: 4px 6px; }
#replayWidget QPlainTextEdit#details { background: #16181c; border: none; border-top: 1px solid #2c3038;
                                       font-family: "DejaVu Sans Mono", monospace; color: #c9d1d9; }
#replayWidget QLabel#rowCount { color: #7d8590; padding: 0 4px; }
#replayWidget QScrollBar:vertical { background: #1b1d22; width: 10px; }
#replayWidget QScrollBar::handle:vertical { background: #3a3f4a; border-radius: 4px; min-height: 24px; }
#replayWidget QScrollBar:horizontal { background: #1b1d22; height: 10px; }
#replayWidget QScrollBar::handle:horizontal { background: #3a3f4a; border-radius: 4px; min-width: 24px; }
#replayWidget QScrollBar::add-line, #replayWidget QScrollBar::sub-line { width: 0; height: 0; }
#replayWidget #pageBar { background: #202329; border-bottom: 1px solid #2c3038; }
#replayWidget QLineEdit#pageUrl { background: #16181c; color: #c9d1d9; border-radius: 10px; padding: 2px 10px; }
#replayWidget QLabel#viewportSize, #replayWidget QLabel#zoomLabel { color: #8b93a1; }
#replayWidget QLabel#zoomLabel { qproperty-alignment: AlignCenter; }
#replayWidget QToolButton { background: #2a2e36; color: #c9d1d9; border: 1px solid #3a3f4a;
                            border-radius: 4px; padding: 2px 7px; }
#replayWidget QToolButton:hover { border-color: #58a6ff; }
#replayWidget QToolButton:checked { background: #264f78; border-color: #58a6ff; color: #ffffff; }
#replayWidget QToolButton:disabled { color: #5c6370; }
#replayWidget QTabBar QToolButton { background: #2a2e36; border: none; border-radius: 0; padding: 0; }
#replayWidget QToolButton:focus, #replayWidget QComboBox:focus { border: 1px solid #e6e9ef; }
#replayWidget QToolButton#play:focus { border: 2px solid #e6e9ef; }
#replayWidget QCheckBox:focus { color: #ffffff; background: #264f78; border-radius: 3px; }
#replayWidget QTabBar::tab:focus { color: #ffffff; background: #264f78; }
#replayWidget QLabel#emptyTab { color: #8b93a1; font-size: 13px; }
#legend { background: #2a2e36; color: #d7dae0; border: 1px solid #3a3f4a; }
#legend QLabel { background: transparent; color: #d7dae0; }
QToolTip { background: #2a2e36; color: #e6e9ef; border: 1px solid #3a3f4a; padding: 4px; }
"""
