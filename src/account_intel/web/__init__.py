"""The web app and the HTTP API (`account-intel serve`): the CLI's use cases behind sign-in, roles and the gate."""
