"""The offline analyzer: knowledge base, rules and a CLAUDETTE classifier; no network."""
