"""Ticket models."""
