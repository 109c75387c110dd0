"""The application: settings, storage, rendering, texts and wiring."""
