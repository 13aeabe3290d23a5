"""The app's routes: sign-in, pages and the JSON API."""
