"""The home page. Its view is Flask-AppBuilder's index view (config.FAB_INDEX_VIEW), which the
app builder adds itself: this package has nothing to register."""
