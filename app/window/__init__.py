"""The desktop app's window (`replay` with no command): Qt widgets over app.browser_model,
the store and the player. `MainWindow.add_page` is where the Record and Privacy pages plug in."""
