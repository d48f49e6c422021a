"""Helpers shared by the test suites: real events, a Lambda context, and real local listeners."""
