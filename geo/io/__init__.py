"""Readers and writers of vector formats, shared by sites, reports and plans."""
