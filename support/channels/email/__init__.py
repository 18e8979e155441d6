"""The e-mail channel: an SMTP server that stores every accepted message as received, then turns it into exactly one
ticket, reply, logged auto-mail or quarantine entry through the ticket service."""
