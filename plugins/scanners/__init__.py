"""Scanners of uploaded files (antivirus), asked before an evidence file is stored."""
