"""Data only: the curated pattern lists (a package so the .txt files get installed)."""
