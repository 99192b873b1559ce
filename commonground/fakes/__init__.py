"""Fake Common Ground servers on loopback, written from the APIs' OpenAPI documents."""
