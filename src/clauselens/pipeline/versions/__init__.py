"""Versions: how a document changes from one version to the next.

- ``align``: clauses of a version matched to the previous version's provisions.
- ``changes``: change events per provision (added, removed, modified, moved, cosmetic).
- ``change_analysis``: a change analysis for each modified provision.
- ``compare``: two chosen versions of a document compared.
"""
