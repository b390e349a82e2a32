"""Placeholder: the HTML report (issue 7) replaces this module."""


def write_report(out_dir, tables, run_info: dict) -> None:
    return None
