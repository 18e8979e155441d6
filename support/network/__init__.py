"""The superuser network: directory, availability, appointments and training (issue 13)."""
