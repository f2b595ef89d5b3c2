"""The API key the tests use: not a real key, and searched for in the leak tests."""

FAKE_API_KEY = "fake-key-SECRET-clauselens-7f3e9a1b"
