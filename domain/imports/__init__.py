"""Imports: one row schema per kind (domain/imports/<kind>.py), reading CSV/XLSX files into
rows, checking every row with the API's own domain rules, and the exports' writer."""
